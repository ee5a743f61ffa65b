#!/usr/bin/env python3
"""Merges the platform's OpenAPI document with the modules' fragments into one document.

usage: merge_openapi.py OUTPUT BASE [FRAGMENT...]

A fragment holds the "tags", "paths" and "components" of one module. A path or a component
that two of them define is an error, named, so that one module cannot silently replace
another's.
"""
import collections
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file, object_pairs_hook=collections.OrderedDict)


def merge(document, fragment, source):
    for key in fragment:
        if key not in ("tags", "paths", "components"):
            sys.exit(f"{source}: a fragment holds tags, paths and components only, not '{key}'")
    document.setdefault("tags", []).extend(fragment.get("tags", []))
    paths = document.setdefault("paths", collections.OrderedDict())
    for path, item in fragment.get("paths", {}).items():
        if path in paths:
            sys.exit(f"{source}: path {path} is defined twice")
        paths[path] = item
    components = document.setdefault("components", collections.OrderedDict())
    for kind, entries in fragment.get("components", {}).items():
        known = components.setdefault(kind, collections.OrderedDict())
        for name, entry in entries.items():
            if name in known:
                sys.exit(f"{source}: components/{kind}/{name} is defined twice")
            known[name] = entry


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    output, base, fragments = sys.argv[1], sys.argv[2], sys.argv[3:]
    document = load(base)
    for fragment in fragments:
        merge(document, load(fragment), fragment)
    text = json.dumps(document, indent=2) + "\n"
    try:
        with open(output, encoding="utf-8") as existing:
            if existing.read() == text:
                return  # unchanged: what embeds it need not be rebuilt
    except FileNotFoundError:
        pass
    with open(output, "w", encoding="utf-8") as file:
        file.write(text)


if __name__ == "__main__":
    main()
