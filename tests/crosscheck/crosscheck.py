#!/usr/bin/env python3
"""Cross-check eas-wbxml against libwbxml2 (Debian libwbxml2-utils), both directions.

For every document (the XML vectors in tests/vectors/xml, plus one generated document per code page
holding every tag of that page):
  ours -> theirs: eas-wbxml encode, then wbxml2xml; the tree must equal the original.
  theirs -> ours: xml2wbxml (names mapped to libwbxml2's spelling), then eas-wbxml decode; the tree
                  must equal the original.
  ours == theirs: the two WBXML encodings are compared byte for byte (reported).
  ours round trip: eas-wbxml decode of our own encoding gives the original tree, and re-encoding the
                  printed XML gives the same bytes.
libwbxml2 spells some tags differently (Attendee_Email, Recurrence_DayOfWeek...): the map in
libwbxml-names.tsv translates; the specification's names are ours. Tags libwbxml2 does not know (Find,
a few newer ones) are checked in our round trip only, and counted as skipped for the libwbxml2 legs.
Prints 'crosscheck: N passed, N failed' (one test per document and direction)."""
import base64
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOL = os.environ.get("EAS_WBXML", os.path.join(ROOT, "build", "host", "eas-wbxml"))
DEF = os.path.join(ROOT, "core", "include", "eas", "wbxml_codepages.def")
TSV = os.path.join(HERE, "libwbxml-names.tsv")
VECTORS = os.path.join(ROOT, "tests", "vectors", "xml")
# Values that travel as OPAQUE: ours (eas_wbxml_tag_is_opaque) plus those libwbxml2 also treats so
# (it base64-decodes them on encoding). Generated documents give these base64 text, which both sides
# then carry the same way.
OPAQUE = {("Email2", "ConversationId"), ("Email2", "ConversationIndex"), ("ComposeMail", "Mime"),
          ("Search", "ConversationId"), ("ItemOperations", "ConversationId"),
          ("GAL", "Data"), ("ResolveRecipients", "Data"), ("AirSyncBase", "Content")}
# Of those, the ones the specifications carry as strings: libwbxml2's wbxml2xml base64-encodes even
# an inline string there, so its output is base64-decoded before comparing.
LIB_BASE64_STRINGS = {("GAL", "Data"), ("ResolveRecipients", "Data"), ("AirSyncBase", "Content")}


def load_tables():
    pages, tags = {}, []
    with open(DEF) as f:
        for line in f:
            m = re.match(r"EAS_PAGE_BEGIN\((\d+), (\w+)\)", line)
            if m:
                pages[m.group(2)] = int(m.group(1))
            m = re.match(r"EAS_TAG\((\w+), (\w+), 0x([0-9A-Fa-f]+)\)", line)
            if m:
                tags.append((m.group(1), m.group(2), int(m.group(3), 16)))
    ours_to_lib, lib_to_ours = {}, {}
    page_ns = {v: k for k, v in pages.items()}
    with open(TSV) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5 or not parts[0].isdigit():
                continue
            page, token, ours, lname, lns = int(parts[0]), int(parts[1], 16), parts[2], parts[3], parts[4]
            ns = page_ns[page]
            if lname:
                ours_to_lib[(ns, ours)] = (lns, lname)
                lib_to_ours[(lns, lname)] = (ns, ours)
    return pages, tags, ours_to_lib, lib_to_ours


def uri_ns(uri):
    return uri[:-1] if uri.endswith(":") else uri


def tree(elem):
    """(namespace, name, text, children) with whitespace between elements ignored."""
    m = re.match(r"\{(.*)\}(.*)", elem.tag)
    ns, name = (uri_ns(m.group(1)), m.group(2)) if m else ("", elem.tag)
    children = [tree(c) for c in elem]
    text = (elem.text or "") if not children else None
    return (ns, name, text, tuple(children))


def map_tree(t, mapping, missing, unbase64=False):
    ns, name, text, children = t
    key = mapping.get((ns, name))
    if key is None:
        missing.add("%s:%s" % (ns, name))
        key = (ns, name)
    if unbase64 and key in LIB_BASE64_STRINGS and text:
        text = base64.b64decode(text).decode("utf-8", errors="replace")
    return (key[0], key[1], text, tuple(map_tree(c, mapping, missing, unbase64) for c in children))


def first_difference(a, b, path=""):
    """A short description of where two trees first differ."""
    if a[:3] != b[:3]:
        return "%s: %r != %r" % (path or "/", a[:3], b[:3])
    if len(a[3]) != len(b[3]):
        return "%s/%s: %d != %d children" % (path, a[1], len(a[3]), len(b[3]))
    for x, y in zip(a[3], b[3]):
        d = first_difference(x, y, path + "/" + a[1])
        if d:
            return d
    return ""


def to_xml(t, root=True, doctype=False):
    ns, name, text, children = t
    out = ['<%s xmlns="%s:">' % (name, ns)]
    if text is not None:
        out.append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))
    for c in children:
        out.append(to_xml(c, False))
    out.append("</%s>" % name)
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if root else ""
    if doctype:  # how xml2wbxml recognises the ActiveSync language
        head += '<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n'
    return head + "".join(out)


def run(cmd, data):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout, p.stderr


def lib_decode(wbxml, tmp):
    src, dst = os.path.join(tmp, "in.wbxml"), os.path.join(tmp, "out.xml")
    with open(src, "wb") as f:
        f.write(wbxml)
    if os.path.exists(dst):
        os.unlink(dst)
    rc, _, err = run(["wbxml2xml", "-k", "-m", "0", "-l", "ACTIVESYNC", "-o", dst, src], b"")
    if rc != 0 or not os.path.exists(dst):
        raise RuntimeError("wbxml2xml: " + err.decode(errors="replace").strip())
    with open(dst, "rb") as f:
        return f.read()


def lib_encode(xml_bytes, tmp):
    src, dst = os.path.join(tmp, "in.xml"), os.path.join(tmp, "out.wbxml")
    with open(src, "wb") as f:
        f.write(xml_bytes)
    if os.path.exists(dst):
        os.unlink(dst)
    rc, _, err = run(["xml2wbxml", "-k", "-a", "-n", "-v", "1.3", "-o", dst, src], b"")
    if rc != 0 or not os.path.exists(dst):
        raise RuntimeError("xml2wbxml: " + err.decode(errors="replace").strip())
    with open(dst, "rb") as f:
        return f.read()


def parse(xml_bytes):
    # libwbxml2 writes a DOCTYPE; ElementTree ignores it.
    return tree(ET.fromstring(xml_bytes))


def every_tag_documents(pages, tags):
    by_page = {}
    for ns, name, token in tags:
        by_page.setdefault(ns, []).append((name, token))
    docs = []
    for ns, entries in by_page.items():
        children = []
        for name, token in entries:
            text = "AQIDBA==" if (ns, name) in OPAQUE else "v%02x &amp; é" % token
            children.append((ns, name, text.replace("&amp;", "&"), ()))
        docs.append(("every-tag-page-%02d-%s" % (pages[ns], ns), ("AirSync", "Sync", None, tuple(children))))
    return docs


def main():
    pages, tags, ours_to_lib, lib_to_ours = load_tables()
    docs = []
    for fn in sorted(os.listdir(VECTORS)):
        if fn.endswith(".xml"):
            with open(os.path.join(VECTORS, fn), "rb") as f:
                docs.append((fn[:-4], parse(f.read())))
    docs += every_tag_documents(pages, tags)

    passed = failed = skipped = identical = compared = 0

    def result(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s %s" % (what, detail))

    with tempfile.TemporaryDirectory() as tmp:
        for name, t in docs:
            xml_ours = to_xml(t).encode()
            rc, w_ours, err = run([TOOL, "encode"], xml_ours)
            if rc != 0:
                result(False, name, "eas-wbxml encode: " + err.decode(errors="replace").strip())
                continue
            # ours round trip: decode, compare, re-encode the printed XML to the same bytes.
            rc, x_back, err = run([TOOL, "decode"], w_ours)
            ok = rc == 0 and parse(x_back) == t
            if ok:
                rc2, w_again, _ = run([TOOL, "encode"], x_back)
                ok = rc2 == 0 and w_again == w_ours
            result(ok, name + " (ours round trip)", err.decode(errors="replace").strip())

            missing = set()
            t_lib = map_tree(t, ours_to_lib, missing)
            if missing:
                skipped += 2
                print("skip %s (libwbxml2 lacks %s)" % (name, ", ".join(sorted(missing)[:4]) + ("..." if len(missing) > 4 else "")))
                continue
            # ours -> theirs
            try:
                got = map_tree(parse(lib_decode(w_ours, tmp)), lib_to_ours, set(), unbase64=True)
                result(got == t, name + " (ours -> libwbxml2)", first_difference(t, got))
            except (RuntimeError, ET.ParseError) as e:
                result(False, name + " (ours -> libwbxml2)", str(e))
            # theirs -> ours
            try:
                w_lib = lib_encode(to_xml(t_lib, doctype=True).encode(), tmp)
                rc, x_ours, err = run([TOOL, "decode"], w_lib)
                got = parse(x_ours) if rc == 0 else None
                result(got == t, name + " (libwbxml2 -> ours)",
                       err.decode(errors="replace").strip() if rc else first_difference(t, got))
                compared += 1
                identical += w_lib == w_ours
            except (RuntimeError, ET.ParseError) as e:
                result(False, name + " (libwbxml2 -> ours)", str(e))

    print("crosscheck: %d documents, %d tags in %d pages; byte-identical encodings %d of %d; %d legs skipped"
          % (len(docs), len(tags), len(pages), identical, compared, skipped))
    print("crosscheck: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
