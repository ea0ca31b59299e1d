package dev.moeplatform.rag.documents;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.springframework.ai.reader.pdf.PagePdfDocumentReader;
import org.springframework.ai.reader.pdf.config.PdfDocumentReaderConfig;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.stereotype.Component;

/**
 * Turns an upload into {@link ParsedDocument} blocks, keeping the structure chunking needs: Markdown headings and
 * paragraphs, HTML headings and block elements, PDF pages (through Spring AI's PDF reader), plain-text paragraphs.
 */
@Component
class DocumentParser {

    static final List<String> SUPPORTED = List.of(MediaTypes.TEXT, MediaTypes.MARKDOWN, MediaTypes.HTML, MediaTypes.PDF);

    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
    private static final Pattern LIST_ITEM = Pattern.compile("^\\s*([-*+]|\\d+[.)])\\s+");
    private static final String HTML_BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, dt, dd, td, th, figcaption";

    ParsedDocument parse(byte[] content, String mediaType, String fallbackTitle) {
        ParsedDocument parsed = switch (mediaType) {
            case MediaTypes.TEXT -> plainText(decode(content), fallbackTitle);
            case MediaTypes.MARKDOWN -> markdown(decode(content), fallbackTitle);
            case MediaTypes.HTML -> html(decode(content), fallbackTitle);
            case MediaTypes.PDF -> pdf(content, fallbackTitle);
            default -> throw unsupported(mediaType);
        };
        if (parsed.blocks().isEmpty()) {
            throw new ApiException(new ApiError(400, "The document has no text to index (after parsing it as "
                    + mediaType + ").", "file", "empty_document"));
        }
        return parsed;
    }

    static ApiException unsupported(String mediaType) {
        return new ApiException(new ApiError(415, "Documents of type '" + mediaType + "' are not supported; send one "
                + "of " + String.join(", ", SUPPORTED) + " (or JSON with the text in 'content').", "file",
                "unsupported_media_type"));
    }

    /** Text must be UTF-8: a byte sequence that is not is refused rather than indexed as replacement characters. */
    private static String decode(byte[] content) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(content))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new ApiException(new ApiError(422, "The document is not valid UTF-8 text.", "file",
                    "unreadable_document"));
        }
    }

    private static ParsedDocument plainText(String text, String fallbackTitle) {
        List<ParsedDocument.Block> blocks = new ArrayList<>();
        for (String paragraph : text.split("\\R\\s*\\R")) {
            String clean = collapse(paragraph);
            if (!clean.isEmpty()) {
                blocks.add(new ParsedDocument.Block(List.of(), clean, null));
            }
        }
        return new ParsedDocument(fallbackTitle, blocks);
    }

    private static ParsedDocument markdown(String text, String fallbackTitle) {
        List<ParsedDocument.Block> blocks = new ArrayList<>();
        List<String> headings = new ArrayList<>();
        int[] levels = new int[7];
        String title = null;
        StringBuilder paragraph = new StringBuilder();
        boolean inFence = false;
        for (String line : text.split("\\R", -1)) {
            if (FENCE.matcher(line).find()) {
                if (inFence) {
                    paragraph.append(line).append('\n');
                    flush(blocks, headings, paragraph, true);
                } else {
                    flush(blocks, headings, paragraph, false);
                    paragraph.append(line).append('\n');
                }
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                paragraph.append(line).append('\n');
                continue;
            }
            Matcher heading = ATX_HEADING.matcher(line);
            if (heading.matches()) {
                flush(blocks, headings, paragraph, false);
                int level = heading.group(1).length();
                String name = heading.group(2).trim();
                if (title == null && level == 1) {
                    title = name;
                }
                headingsAt(headings, levels, level, name);
            } else if (line.isBlank()) {
                flush(blocks, headings, paragraph, false);
            } else {
                if (LIST_ITEM.matcher(line).find()) {
                    flush(blocks, headings, paragraph, false);
                }
                paragraph.append(line).append('\n');
            }
        }
        flush(blocks, headings, paragraph, inFence);
        return new ParsedDocument(title == null ? fallbackTitle : title, blocks);
    }

    /** Replaces the path below {@code level} with {@code name}: a heading closes every deeper section. */
    private static void headingsAt(List<String> headings, int[] levels, int level, String name) {
        while (!headings.isEmpty() && levels[headings.size()] >= level) {
            headings.removeLast();
        }
        headings.add(name);
        levels[headings.size()] = level;
    }

    private static void flush(List<ParsedDocument.Block> blocks, List<String> headings, StringBuilder paragraph,
            boolean verbatim) {
        String text = verbatim ? paragraph.toString().strip() : collapse(paragraph.toString());
        if (!text.isEmpty()) {
            blocks.add(new ParsedDocument.Block(List.copyOf(headings), text, null));
        }
        paragraph.setLength(0);
    }

    private static ParsedDocument html(String text, String fallbackTitle) {
        org.jsoup.nodes.Document page = Jsoup.parse(text);
        page.select("script, style, noscript, nav, header, footer, template, svg, form").remove();
        List<ParsedDocument.Block> blocks = new ArrayList<>();
        List<String> headings = new ArrayList<>();
        int[] levels = new int[7];
        String title = page.title().isBlank() ? null : page.title().strip();
        for (Element element : page.body().select(HTML_BLOCKS)) {
            if (hasBlockAncestor(element)) {
                continue; // its text is part of the enclosing block
            }
            String name = element.normalName();
            if (name.length() == 2 && name.charAt(0) == 'h' && Character.isDigit(name.charAt(1))) {
                String heading = collapse(element.text());
                if (!heading.isEmpty()) {
                    headingsAt(headings, levels, name.charAt(1) - '0', heading);
                    title = title == null ? heading : title;
                }
                continue;
            }
            String content = name.equals("pre") ? element.wholeText().strip() : collapse(element.text());
            if (!content.isEmpty()) {
                blocks.add(new ParsedDocument.Block(List.copyOf(headings), content, null));
            }
        }
        if (blocks.isEmpty()) {
            String all = collapse(page.body().text());
            if (!all.isEmpty()) {
                blocks.add(new ParsedDocument.Block(List.of(), all, null));
            }
        }
        return new ParsedDocument(title == null ? fallbackTitle : title, blocks);
    }

    private static boolean hasBlockAncestor(Element element) {
        for (Element parent = element.parent(); parent != null; parent = parent.parent()) {
            if (parent.is(HTML_BLOCKS)) {
                return true;
            }
        }
        return false;
    }

    private static ParsedDocument pdf(byte[] content, String fallbackTitle) {
        List<org.springframework.ai.document.Document> pages;
        try {
            pages = new PagePdfDocumentReader(new ByteArrayResource(content),
                    PdfDocumentReaderConfig.builder().withPagesPerDocument(1).build()).get();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            throw new ApiException(new ApiError(422, "The PDF could not be read: " + cause.getMessage(), "file",
                    "unreadable_document"));
        }
        List<ParsedDocument.Block> blocks = new ArrayList<>();
        for (org.springframework.ai.document.Document page : pages) {
            Object number = page.getMetadata().get(PagePdfDocumentReader.METADATA_START_PAGE_NUMBER);
            Integer pageNumber = number instanceof Number n ? n.intValue() : null;
            for (String paragraph : (page.getText() == null ? "" : page.getText()).split("\\R\\s*\\R")) {
                String clean = collapse(paragraph);
                if (!clean.isEmpty()) {
                    blocks.add(new ParsedDocument.Block(List.of(), clean, pageNumber));
                }
            }
        }
        return new ParsedDocument(fallbackTitle, blocks);
    }

    /** Whitespace runs (layout spacing, line breaks inside a paragraph) become single spaces. */
    private static String collapse(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }

    static String mediaTypeOf(String declared, String filename) {
        String type = declared == null ? "" : declared.toLowerCase(Locale.ROOT).split(";")[0].strip();
        if (SUPPORTED.contains(type)) {
            return type;
        }
        if (type.equals("text/x-markdown")) {
            return MediaTypes.MARKDOWN;
        }
        if (type.isEmpty() || type.equals("application/octet-stream")) {
            String name = filename == null ? "" : filename.toLowerCase(Locale.ROOT);
            if (name.endsWith(".md") || name.endsWith(".markdown")) {
                return MediaTypes.MARKDOWN;
            }
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                return MediaTypes.HTML;
            }
            if (name.endsWith(".pdf")) {
                return MediaTypes.PDF;
            }
            if (name.endsWith(".txt") || name.endsWith(".text")) {
                return MediaTypes.TEXT;
            }
        }
        return type.isEmpty() ? "application/octet-stream" : type;
    }
}
