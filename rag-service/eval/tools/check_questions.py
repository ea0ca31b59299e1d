#!/usr/bin/env python3
"""Validate rag-service/eval/questions.jsonl against the Markdown corpus.

Standard library only.

Usage:
    python3 check_questions.py [QUESTIONS_JSONL] [CORPUS_DIR]

Defaults are ../questions.jsonl and ../corpus relative to this script.

Checks, per line:
  * the line is valid JSON and an object with string fields
    "id", "question", "document", "answer" (and nothing else required);
  * ids are unique;
  * "document" names an existing file in the corpus directory;
  * "answer" occurs exactly once in that file (exact substring);
  * "answer" is 40..200 characters long;
  * "answer" contains no blank line (it stays inside one paragraph/list item);
  * "answer" is not inside a fenced code block, a table row or a heading.
Additionally (reported as errors too):
  * "answer" does not occur in any other corpus file, so the hit rule
    "retrieved chunk contains the answer text" cannot be satisfied by a
    chunk of a different document;
  * every corpus file has at least 2 questions.

Exit status 0 when everything passes, 1 otherwise.
"""

import json
import os
import re
import sys

MIN_LEN, MAX_LEN = 40, 200
REQUIRED = ("id", "question", "document", "answer")


def norm_ws(s):
    return re.sub(r"\s+", " ", s).strip()


def context_problems(text, pos):
    """Return a list of structural problems for an answer starting at pos."""
    problems = []
    before = text[:pos]
    fences = len(re.findall(r"(?m)^\s*```", before))
    if fences % 2 == 1:
        problems.append("inside a fenced code block")
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:text.find("\n", pos) if text.find("\n", pos) != -1 else len(text)]
    if line.lstrip().startswith("|"):
        problems.append("inside a table row")
    if line.lstrip().startswith("#"):
        problems.append("inside a heading")
    return problems


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    qpath = argv[1] if len(argv) > 1 else os.path.join(here, "..", "questions.jsonl")
    cdir = argv[2] if len(argv) > 2 else os.path.join(here, "..", "corpus")

    corpus = {}
    for name in sorted(os.listdir(cdir)):
        if name.endswith(".md"):
            with open(os.path.join(cdir, name), encoding="utf-8") as f:
                corpus[name] = f.read()

    errors = []
    ids = set()
    per_doc = {name: 0 for name in corpus}
    n = 0
    with open(qpath, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                errors.append("line %d: empty line" % lineno)
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                errors.append("line %d: invalid JSON: %s" % (lineno, e))
                continue
            if not isinstance(obj, dict):
                errors.append("line %d: not a JSON object" % lineno)
                continue
            missing = [k for k in REQUIRED
                       if not isinstance(obj.get(k), str) or not obj.get(k).strip()]
            if missing:
                errors.append("line %d: missing/empty string field(s): %s"
                              % (lineno, ", ".join(missing)))
                continue
            n += 1
            qid, doc, ans = obj["id"], obj["document"], obj["answer"]
            tag = "line %d (%s)" % (lineno, qid)
            if qid in ids:
                errors.append("%s: duplicate id" % tag)
            ids.add(qid)
            if not (MIN_LEN <= len(ans) <= MAX_LEN):
                errors.append("%s: answer length %d not in %d..%d"
                              % (tag, len(ans), MIN_LEN, MAX_LEN))
            if re.search(r"\n[ \t]*\n", ans):
                errors.append("%s: answer contains a blank line" % tag)
            if doc not in corpus:
                errors.append("%s: document %r not found in %s" % (tag, doc, cdir))
                continue
            per_doc[doc] += 1
            text = corpus[doc]
            count = text.count(ans)
            if count != 1:
                errors.append("%s: answer occurs %d times in %s (must be exactly 1)"
                              % (tag, count, doc))
            else:
                for p in context_problems(text, text.index(ans)):
                    errors.append("%s: answer is %s" % (tag, p))
            flat = norm_ws(ans)
            for other, otext in corpus.items():
                if other != doc and flat in norm_ws(otext):
                    errors.append("%s: answer also occurs in %s" % (tag, other))

    for doc, c in sorted(per_doc.items()):
        if c < 2:
            errors.append("%s: only %d question(s) (need at least 2)" % (doc, c))

    print("questions: %d, documents: %d, corpus files: %d"
          % (n, sum(1 for c in per_doc.values() if c), len(corpus)))
    for doc, c in sorted(per_doc.items()):
        print("  %-24s %3d" % (doc, c))
    if errors:
        print("FAILED: %d problem(s)" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("OK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
