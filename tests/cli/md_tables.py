"""Checks a Markdown report (tests/cli/run.sh): every table has a header,
a delimiter row and rows with the header's column count; no raw HTML; no
unescaped inline markup; the strings given as arguments appear as text.
Usage: md_tables.py FILE [EXPECTED_TEXT...]"""
import re
import sys

CELL_SPLIT = re.compile(r'(?<!\\)\|')
DELIM = re.compile(r'^:?-{3,}:?$')


def cells(line):
    parts = CELL_SPLIT.split(line.strip())
    assert parts[0] == '' and parts[-1] == '', line
    return [p.strip() for p in parts[1:-1]]


def unescape(text):
    text = re.sub(r'\\(.)', r'\1', text)
    return text.replace('&lt;', '<').replace('&gt;', '>').replace('&amp;', '&')


def main():
    lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
    tables, i, texts = 0, 0, []
    for line in lines:
        assert '<' not in line and '>' not in line, 'raw HTML: ' + line
    while i < len(lines):
        line = lines[i]
        if line.startswith('|'):
            head = cells(line)
            delim = cells(lines[i + 1])
            assert all(DELIM.match(d) for d in delim), lines[i + 1]
            assert len(delim) == len(head), (line, lines[i + 1])
            i += 2
            while i < len(lines) and lines[i].startswith('|'):
                row = cells(lines[i])
                assert len(row) == len(head), 'columns: ' + lines[i]
                for c in row:
                    assert not re.search(r'(?<!\\)[`\[\]*_~!]', c), 'markup: ' + c
                    texts.append(unescape(c))
                i += 1
            tables += 1
        else:
            assert not line.startswith(('    ', '\t')), 'code block: ' + line
            i += 1
    assert tables >= 4, tables
    for want in sys.argv[2:]:
        assert any(want in t for t in texts), 'missing: ' + want
    print('ok: %d tables' % tables)


main()
