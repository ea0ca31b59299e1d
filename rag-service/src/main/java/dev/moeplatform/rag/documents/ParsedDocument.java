package dev.moeplatform.rag.documents;

import java.util.List;

/**
 * A document's text as a sequence of blocks (paragraphs, list items, code) in reading order, each under the
 * headings that contain it.
 *
 * @param title the document's own title (first heading, HTML title, or the file name)
 * @param blocks the text, never empty
 */
record ParsedDocument(String title, List<Block> blocks) {

    /**
     * @param headings the heading path, outermost first (empty before the first heading)
     * @param text one paragraph, list item or code block
     * @param page the PDF page it is on (1-based), or null
     */
    record Block(List<String> headings, String text, Integer page) {
    }
}
