#!/usr/bin/env python3
"""Convert SQLite documentation HTML pages into clean Markdown.

Standard library only.  Used to (re)generate rag-service/eval/corpus/ from the
HTML files of the Debian package ``sqlite3-doc`` (see ../README.md).

Usage:
    python3 html_to_markdown.py SRC_DIR OUT_DIR [page.html ...]

SRC_DIR is the directory that holds the HTML pages (for the Debian package:
``usr/share/doc/sqlite3`` inside the extracted .deb).  When no page names are
given, the default page list below is converted.  Each page ``X.html`` is
written to ``OUT_DIR/X.md``.

What the conversion does:
  * the page title (the "fancy_title" block, else a heading that opens the
    page, else <title>) becomes a "# " heading;
  * section headings (h1..h6, and the hidden per-PRAGMA <h _id=...> markers of
    pragma.html) become "##", "###", ... relative to the highest level used on
    the page; section numbers such as "2.1." are removed;
  * paragraphs become single-line paragraphs separated by blank lines;
  * ul/ol items become "- " items (nested lists are indented by two spaces);
  * <pre> blocks become fenced code blocks; <tt>/<code> become `inline code`;
  * data tables become pipe tables; layout tables (those wrapping <pre>) are
    unwrapped;
  * navigation menus, search box, table of contents, scripts, styles, buttons,
    images, inline SVG syntax diagrams (with their "name:" labels) and the
    "This page last modified" footer are dropped.
"""

import html
import os
import re
import sys
from html.parser import HTMLParser

DEFAULT_PAGES = [
    "autoinc.html",
    "atomiccommit.html",
    "datatype3.html",
    "fileformat2.html",
    "foreignkeys.html",
    "fts5.html",
    "isolation.html",
    "json1.html",
    "lang_createtable.html",
    "lang_select.html",
    "lang_transaction.html",
    "lang_with.html",
    "limits.html",
    "lockingv3.html",
    "optoverview.html",
    "partialindex.html",
    "pragma.html",
    "queryplanner.html",
    "wal.html",
    "windowfunctions.html",
]

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "param", "source", "track", "wbr"}
# Tags whose start implicitly closes an open <p>.
BLOCK_CLOSES_P = {"address", "blockquote", "center", "div", "dl", "fieldset",
                  "form", "h", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol",
                  "p", "pre", "table", "ul", "dd", "dt", "li"}
BLOCK = BLOCK_CLOSES_P | {"body", "html", "tr", "td", "th", "thead", "tbody",
                          "tfoot", "caption", "section", "article", "main",
                          "figure", "figcaption", "nav", "header", "footer",
                          "noscript"}
SKIP_TAGS = {"script", "style", "svg", "button", "form", "select", "input",
             "img", "head", "noscript", "iframe", "object", "map", "textarea"}
SKIP_CLASSES = {"nosearch", "imgcontainer", "fancy_toc", "menu", "searchmenu",
                "tagline"}
HEADINGS = {"h", "h1", "h2", "h3", "h4", "h5", "h6"}


class Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag, attrs=None, parent=None):
        self.tag = tag
        self.attrs = dict(attrs or [])
        self.children = []
        self.parent = parent

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find(self, pred):
        for n in self.iter():
            if pred(n):
                return n
        return None

    def classes(self):
        return set((self.attrs.get("class") or "").split())


class TreeBuilder(HTMLParser):
    """A tolerant HTML tree builder (handles unclosed <p>, <li>, <td> ...)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def _open(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                return i
        return None

    def _close_to(self, idx):
        del self.stack[idx:]

    def _implicit_close(self, tag):
        if tag in BLOCK_CLOSES_P:
            # close an open <p> (but do not cross a table cell / list item)
            for i in range(len(self.stack) - 1, 0, -1):
                t = self.stack[i].tag
                if t == "p":
                    self._close_to(i)
                    break
                if t in ("td", "th", "li", "dd", "dt", "blockquote", "div",
                         "table", "ul", "ol"):
                    break
        if tag == "li":
            self._close_sibling(("li",), ("ul", "ol"))
        elif tag in ("dt", "dd"):
            self._close_sibling(("dt", "dd"), ("dl",))
        elif tag == "tr":
            self._close_sibling(("tr",), ("table", "thead", "tbody", "tfoot"))
        elif tag in ("td", "th"):
            self._close_sibling(("td", "th"), ("tr", "table"))
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_sibling(("thead", "tbody", "tfoot", "tr"), ("table",))

    def _close_sibling(self, names, scope):
        for i in range(len(self.stack) - 1, 0, -1):
            t = self.stack[i].tag
            if t in names:
                self._close_to(i)
                return
            if t in scope:
                return

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        self._implicit_close(tag)
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        tag = tag.lower()
        self._implicit_close(tag)
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag in VOID:
            return
        idx = self._open(tag)
        if idx is not None:
            self._close_to(idx)

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(text):
    b = TreeBuilder()
    b.feed(text)
    b.close()
    return b.root


# ---------------------------------------------------------------- helpers

def skipped(node):
    if node.tag in SKIP_TAGS:
        return True
    if node.classes() & SKIP_CLASSES:
        return True
    style = (node.attrs.get("style") or "").replace(" ", "").lower()
    if "display:none" in style and node.tag != "h":
        return True
    return False


def raw_text(node):
    """All text below node, whitespace preserved (for <pre>)."""
    out = []
    for c in node.children:
        if isinstance(c, str):
            out.append(c)
        elif c.tag == "br":
            out.append("\n")
        elif c.tag in ("script", "style", "svg", "button"):
            continue
        else:
            out.append(raw_text(c))
    return "".join(out)


def inline_text(nodes):
    """Inline text of a run of nodes: whitespace collapsed, <br> kept."""
    parts = []

    def walk(n):
        if isinstance(n, str):
            parts.append(re.sub(r"[ \t\r\n\f\v]+", " ", n))
            return
        if skipped(n):
            return
        if n.tag == "br":
            parts.append("\x00")
            return
        if n.tag in ("tt", "code", "kbd", "samp"):
            inner = inline_text(n.children).replace("\n", " ").strip()
            if inner and "`" not in inner:
                parts.append("`" + inner + "`")
            else:
                parts.append(inner)
            return
        if n.tag == "sup":
            inner = inline_text(n.children).replace("\n", " ").strip()
            if inner:
                parts.append("^" + inner)
            return
        for c in n.children:
            walk(c)

    for n in nodes:
        walk(n)
    s = "".join(parts)
    s = s.replace("\u00a0", " ")
    s = re.sub(r" +", " ", s)
    s = re.sub(r" *\x00 *", "\n", s)
    s = re.sub(r"\n{2,}", "\n", s)
    return s.strip()


def is_block(n):
    return isinstance(n, Node) and (n.tag in BLOCK or n.tag in HEADINGS)


SECNUM = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")


# Blocks: ("p", text) ("h", rawlevel, text) ("code", text) ("raw", markdown)

class Renderer:
    def blocks(self, node):
        """Render the children of a container node into a list of blocks."""
        out = []
        run = []

        def flush():
            if run:
                t = inline_text(run)
                if t:
                    out.append(("p", t))
                run.clear()

        for c in node.children:
            if isinstance(c, Node) and skipped(c):
                continue
            if is_block(c):
                flush()
                out.extend(self.block(c))
            else:
                run.append(c)
        flush()
        return out

    def block(self, n):
        tag = n.tag
        if tag in HEADINGS:
            t = inline_text(n.children).replace("\n", " ")
            t = SECNUM.sub("", t).strip()
            if not t:
                return []
            level = 3 if tag == "h" else int(tag[1])
            return [("h", level, t)]
        if tag == "p":
            if n.find(lambda x: x.tag == "button"):
                return []  # label of a syntax diagram ("select-stmt:")
            return self.blocks(n)
        if tag == "pre":
            text = raw_text(n).replace("\u00a0", " ").replace("\r", "")
            text = text.strip("\n").rstrip()
            lines = text.split("\n")
            # remove common indentation
            ind = min((len(l) - len(l.lstrip(" ")) for l in lines if l.strip()),
                      default=0)
            text = "\n".join(l[ind:].rstrip() for l in lines)
            return [("code", text)] if text.strip() else []
        if tag in ("ul", "ol"):
            return [("raw", self.list_md(n))]
        if tag == "dl":
            out = []
            for c in n.children:
                if isinstance(c, Node) and c.tag == "dt":
                    t = inline_text(c.children).replace("\n", " ")
                    if t:
                        out.append(("p", "**" + t + "**"))
                elif isinstance(c, Node) and c.tag == "dd":
                    out.extend(self.blocks(c))
                elif isinstance(c, Node) and not skipped(c):
                    out.extend(self.block(c))
            return out
        if tag == "table":
            return self.table(n)
        if tag == "blockquote":
            inner = self.blocks(n)
            out = []
            for b in inner:
                if b[0] == "p":
                    out.append(("p", "\n".join("> " + l for l in b[1].split("\n"))))
                else:
                    out.append(b)
            return out
        if tag == "hr":
            return []
        if tag in ("li",):
            return [("raw", self.list_md(Node("ul", None), [n]))]
        # div, center, td outside a table, etc.: generic container
        return self.blocks(n)

    def list_md(self, n, items=None):
        if items is None:
            items = [c for c in n.children
                     if isinstance(c, Node) and c.tag == "li"]
            # stray non-li content inside ul/ol becomes its own item
        rendered = []
        for li in items:
            blocks = self.blocks(li)
            md = serialize_blocks(blocks, level_map=None)
            if not md.strip():
                continue
            lines = md.split("\n")
            first = "- " + lines[0]
            rest = [("  " + l) if l.strip() else "" for l in lines[1:]]
            rendered.append("\n".join([first] + rest))
        multi = any("\n\n" in r for r in rendered)
        return ("\n\n" if multi else "\n").join(rendered)

    def table(self, n):
        if n.find(lambda x: x.tag == "pre") is not None:
            # layout table: unwrap
            out = []
            for cell in n.iter():
                if cell.tag in ("td", "th"):
                    out.extend(self.blocks(cell))
            return out
        rows = []
        header = None
        for tr in n.iter():
            if tr.tag != "tr":
                continue
            cells = []
            is_head = True
            for c in tr.children:
                if isinstance(c, Node) and c.tag in ("td", "th"):
                    t = inline_text(c.children).replace("\n", " ")
                    cells.append(t.replace("|", "\\|"))
                    is_head = is_head and c.tag == "th"
            if any(cells):
                if header is None:
                    header = is_head
                rows.append(cells)
        if not rows:
            return []
        if len(rows) == 1 and len(rows[0]) == 1:
            return [("p", rows[0][0])]
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        if not header:
            # no <th> row: use an empty header so every data row is kept
            rows.insert(0, [""] * width)
        lines = ["| " + " | ".join(rows[0]) + " |",
                 "|" + "|".join(["---"] * width) + "|"]
        for r in rows[1:]:
            lines.append("| " + " | ".join(r) + " |")
        return [("raw", "\n".join(lines))]


def serialize_blocks(blocks, level_map):
    parts = []
    for b in blocks:
        if b[0] == "p":
            parts.append(b[1])
        elif b[0] == "code":
            parts.append("```\n" + b[1] + "\n```")
        elif b[0] == "raw":
            if b[1].strip():
                parts.append(b[1])
        elif b[0] == "h":
            if level_map is None:
                parts.append("**" + b[2] + "**")
            else:
                parts.append("#" * level_map[b[1]] + " " + b[2])
    return "\n\n".join(parts)


def convert(html_text):
    root = parse(html_text)
    body = root.find(lambda x: x.tag == "body") or root
    blocks = Renderer().blocks(body)
    blocks = [b for b in blocks
              if not (b[0] == "p" and b[1].startswith("This page last modified"))]

    title = None
    ft = root.find(lambda x: "fancy_title" in x.classes())
    if ft is not None:
        title = inline_text(ft.children).replace("\n", " ").strip()
    elif blocks and blocks[0][0] == "h":
        # older pages open with a heading that acts as the page title
        title = blocks.pop(0)[2]
    if not title:
        t = root.find(lambda x: x.tag == "title")
        title = inline_text(t.children) if t is not None else "Untitled"
        title = title.replace("\n", " ").strip()
    # the first heading of some pages merely repeats the page title
    for i, b in enumerate(blocks):
        if b[0] == "h":
            if b[2].lower() == title.lower():
                del blocks[i]
            break

    # drop headings with no content of their own (e.g. "Syntax", whose only
    # content was a syntax diagram) unless a subsection follows
    kept = []
    for i, b in enumerate(blocks):
        if b[0] == "h":
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt is None or (nxt[0] == "h" and nxt[1] <= b[1]):
                continue
        kept.append(b)
    blocks = kept

    levels = sorted({b[1] for b in blocks if b[0] == "h"})
    level_map = {lv: min(2 + i, 6) for i, lv in enumerate(levels)}
    md = "# " + title + "\n\n" + serialize_blocks(blocks, level_map) + "\n"
    md = re.sub(r"\n{3,}", "\n\n", md)
    return md


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    src, out = argv[1], argv[2]
    pages = argv[3:] or DEFAULT_PAGES
    os.makedirs(out, exist_ok=True)
    total = 0
    for page in pages:
        with open(os.path.join(src, page), encoding="utf-8") as f:
            text = f.read()
        md = convert(text)
        name = os.path.splitext(os.path.basename(page))[0] + ".md"
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(md)
        size = len(md.encode("utf-8"))
        total += size
        print("%-28s %8d bytes" % (name, size))
    print("%-28s %8d bytes" % ("TOTAL", total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
