#!/usr/bin/env python3
"""Writes fuzz/dicts/TARGET.dict, the libFuzzer dictionary of each text-format target.

Usage: fuzz/dicts.py            # rewrites every dictionary below from the sources

Why: a structured text parser (TOML, JSON, XML, CSV with named columns) hides most of its code
behind keys the fuzzer would have to guess byte by byte; `catalog_toml`, `policy_toml`, `sbom`,
`inventory` and `feed` still gained coverage at the end of 15–25-minute runs without one.
A dictionary hands libFuzzer those tokens to splice in. Each is the format's own syntax plus
what the parser compares against, taken from its source: the string literals of its files and,
in files that derive `Deserialize`, the field names (snake_case and camelCase, since serde
renames). Generated rather than written by hand so that it follows the parsers as they change;
an extra token costs a little mutation time, a missing one costs coverage.

plateau.py passes `-dict=fuzz/dicts/TARGET.dict` when the file exists.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

JSON = ['{', '}', '[', ']', ':', ',', '""', '"', 'true', 'false', 'null', '-0', '1e9', '0.5',
        '\\u0000', '\\ud800', '\\"', '{"', '":', '":"', '","', '[{', '}]', '[]', '{}']
XML = ['<?xml version="1.0" encoding="UTF-8"?>', '<?xml', '?>', '<!DOCTYPE', '<![CDATA[', ']]>',
       '<!--', '-->', '</', '/>', '=', '="', 'xmlns=', 'xmlns:', '&amp;', '&lt;', '&#x41;', '&#65;',
       '&unknown;', 'encoding="UTF-16"']
TOML = ['[', ']', '[[', ']]', '=', ' = ', '"', "'", '"""', "'''", '{', '}', ',', '.', '#', 'true',
        'false', '1979-05-27', '1979-05-27T07:32:00Z', '0x1F', 'inf', 'nan', '\\u00e9', '[]', '{}']
CSV = [',', ';', '\t', '|', '"', '""', '\r\n', '\n', '\ufeff', b'\xff\xfe', b'\xfe\xff']
PLIST = ['<plist version="1.0">', '</plist>', '<dict>', '</dict>', '<key>', '</key>', '<string>',
         '</string>', '<array>', '</array>', '<integer>', '</integer>', '<true/>', '<false/>',
         '<data>', '</data>', '<date>', '</date>', '<real>', '</real>', '<array/>', '<dict/>',
         'bplist00', 'CFBundleIdentifier', 'CFBundleName', 'CFBundleShortVersionString',
         'CFBundleVersion', 'CFBundleExecutable', 'Label', 'Program', 'ProgramArguments',
         'com.apple.']

# target: (format tokens, source files or directories whose tokens it compares against)
TARGETS = {
    'catalog_toml': (TOML, ['crates/delist-core/src/catalog', 'crates/delist-core/src/model.rs',
                            'crates/delist-core/src/mac.rs', 'crates/delist-core/src/purl.rs']),
    'policy_toml': (TOML, ['crates/delist-core/src/policy.rs']),
    'sbom': (JSON + XML, ['crates/delist-collect/src/sbom', 'crates/delist-core/src/purl.rs']),
    'inventory': (JSON + CSV, ['crates/delist-collect/src/inventory']),
    'feed': (JSON + CSV + XML, ['crates/delist-collect/src/feed']),
    'server_upload': (JSON, ['crates/delist-server/src/ingest.rs', 'crates/delist-server/src/engine.rs',
                             'crates/delist-core/src/report.rs', 'crates/delist-core/src/model.rs']),
    'nmap_xml': (XML, ['crates/delist-collect/src/network/nmap.rs']),
    'browser_manifest': (JSON, ['crates/delist-collect/src/browser']),
    'hardware': ([':', '\n', '\t', '"', '{', '}', '[', ']'], ['crates/delist-collect/src/hardware']),
    'leases': (CSV + ['{', '}', ';', 'lease ', 'hardware ethernet ', '00:11:22:33:44:55'],
               ['crates/delist-collect/src/network/leases.rs', 'crates/delist-collect/src/network/macs.rs',
                'crates/delist-collect/src/network/neigh.rs', 'crates/delist-core/src/mac.rs']),
    'dpkg_status': (['\n', '\n\n', ': ', '\n '], ['crates/delist-collect/src/dpkg.rs']),
    'plist': (PLIST + XML, ['crates/delist-collect/src/files/plist.rs']),
    'macos_plists': (PLIST + XML, ['crates/delist-collect/src/macos']),
    'oui_csv': (CSV, ['crates/delist-core/src/catalog/oui.rs']),
}

LITERAL = re.compile(r'(?<![A-Za-z0-9_])b?"((?:[^"\\\n]|\\.){1,48})"')
FIELD = re.compile(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?(r#)?([a-z][a-z0-9_]*)\s*:\s*[A-Za-z&(\[]', re.M)
RENAME = re.compile(r'(?:rename|alias)\s*=\s*"([^"]{1,48})"')
ESC = re.compile(r'\\(u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)')


def unescape(s):
    def one(m):
        e = m.group(1)
        if e.startswith('u{'):
            return chr(int(e[2:-1], 16))
        if e.startswith('x'):
            return chr(int(e[1:], 16))
        return {'n': '\n', 't': '\t', 'r': '\r', '0': '\0'}.get(e, e)
    return ESC.sub(one, s)


def camel(s):
    head, *rest = s.split('_')
    return head + ''.join(w[:1].upper() + w[1:] for w in rest)


def files(paths):
    for p in paths:
        p = os.path.join(ROOT, p)
        if os.path.isfile(p):
            yield p
            continue
        for d, _, names in os.walk(p):
            yield from (os.path.join(d, n) for n in sorted(names) if n.endswith('.rs'))


def tokens(path):
    text = open(path, encoding='utf-8').read()
    # Test modules compare against fixtures, not the format; their literals would only add noise.
    text = re.split(r'#\[cfg\(test\)\]', text)[0]
    out = [unescape(m.group(1)) for m in LITERAL.finditer(text)]
    out += RENAME.findall(text)
    if 'Deserialize' in text:
        for m in FIELD.finditer(text):
            out += [m.group(2), camel(m.group(2))]
    # A token with a format placeholder or a sentence in it is a message, not something compared.
    return [t for t in out if ('{' not in t or len(t) < 3) and t.count(' ') < 3]


def encode(t):
    b = (t if isinstance(t, bytes) else t.encode('utf-8'))[:64]
    return ''.join(chr(c) if 32 <= c < 127 and c not in (34, 92) else f'\\x{c:02X}' for c in b)


def main():
    os.makedirs(os.path.join(ROOT, 'fuzz/dicts'), exist_ok=True)
    for target, (base, paths) in TARGETS.items():
        seen = []
        for t in base + [t for p in files(paths) for t in tokens(p)]:
            if t and t not in seen:
                seen.append(t)
        path = os.path.join(ROOT, 'fuzz/dicts', target + '.dict')
        with open(path + '.tmp', 'w') as f:
            f.write(f'# {target}: generated by fuzz/dicts.py; do not edit.\n')
            f.writelines(f'"{encode(t)}"\n' for t in seen)
        os.replace(path + '.tmp', path)
        print(f'{target}: {len(seen)} tokens', file=sys.stderr)


if __name__ == '__main__':
    main()
