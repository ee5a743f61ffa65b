"""Writes the C++ source that holds shopd's web files: each file's bytes are assembled into
the binary with .incbin (no copy of them as source text), beside its URL path, media type and
ETag, so the pages are served from the binary alone.

usage: embed_web.py OUTPUT URL_PATH=FILE ...
"""
import hashlib
import os
import sys

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".json": "application/json",
    ".woff2": "font/woff2",
}


def main():
    output, pairs = sys.argv[1], sys.argv[2:]
    assembly, table = [], []
    for index, pair in enumerate(pairs):
        url_path, file = pair.split("=", 1)
        extension = os.path.splitext(file)[1].lower()
        if extension not in MEDIA_TYPES:
            sys.exit(f"embed_web.py: no media type known for {file}")
        with open(file, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:20]
        symbol = f"shopd_web_file_{index}"
        quoted = os.path.abspath(file).replace("\\", "\\\\").replace('"', '\\"')
        assembly.append(
            f'    ".globl {symbol}\\n.hidden {symbol}\\n{symbol}:\\n.incbin \\"{quoted}\\"\\n"\n'
            f'    ".globl {symbol}_end\\n.hidden {symbol}_end\\n{symbol}_end:\\n"\n')
        table.append((symbol, url_path, MEDIA_TYPES[extension], digest))

    declarations = "".join(
        f"extern \"C\" const char {symbol}[];\nextern \"C\" const char {symbol}_end[];\n"
        for symbol, *_ in table)
    rows = "".join(
        f'    {{"{url_path}", "{media_type}", "\\"{digest}\\"", '
        f"{{{symbol}, static_cast<std::size_t>({symbol}_end - {symbol})}}}},\n"
        for symbol, url_path, media_type, digest in table)
    source = f"""// Generated at build time by cmake/embed_web.py from the files under web/.
#include "http/web_files.hpp"

__asm__(".pushsection .rodata\\n.balign 16\\n"
{"".join(assembly)}    ".popsection\\n");

{declarations}
namespace shopd::http {{

std::span<const WebFile> web_files() {{
    static const WebFile files[] = {{
{rows}    }};
    return files;
}}

}}  // namespace shopd::http
"""
    if not table:
        sys.exit("embed_web.py: no files given")
    previous = None
    if os.path.exists(output):
        with open(output, encoding="utf-8") as handle:
            previous = handle.read()
    if previous != source:
        os.makedirs(os.path.dirname(output), exist_ok=True)
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(source)


if __name__ == "__main__":
    main()
