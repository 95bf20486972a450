"""Writes tests/cases/bad_inputs/ (except 30-symlink-escapes, whose symlinks are committed as they are).

Run from the repository root: python tests/cases/make_bad_inputs.py; then re-record the expected text with
SITE_GEN_RECORD=1 pytest tests/test_bad_inputs.py and review the diff.
"""
import shutil
from pathlib import Path

ROOT = Path("tests/cases/bad_inputs")
for old in ROOT.iterdir() if ROOT.exists() else []:
    if old.name != "30-symlink-escapes":
        shutil.rmtree(old)
M = "content/models/acme/unknowns.md"
P = "content/providers/acme.md"
def case(name, files, expected="", twin=False, args=None, env=None, delete=None, exit=None, contains=None):
    d = ROOT / name
    for rel, data in files.items():
        f = d / "overlay" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data is None:
            continue
        f.write_bytes(data)
    d.mkdir(parents=True, exist_ok=True)
    (d / "expected.txt").write_text(expected)
    if twin: (d / "twin").write_text("output must be byte-identical to the clean fixture build\n")
    if args: (d / "args").write_text(args + "\n")
    if env: (d / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    if delete: (d / "delete.txt").write_text("\n".join(delete) + "\n")
    if exit is not None: (d / "exit").write_text(f"{exit}\n")
    if contains: (d / "contains.txt").write_text("\n".join(contains) + "\n")

def model(extra="", head="id: unknowns\ntitle: Model With Unknowns\nprovider: acme\n", tail="data_updated: 2026-01-15\n", body="Nothing about this model is known yet: every fact shows as unknown, never as zero.\n"):
    return f"---\n{head}{extra}{tail}---\n{body}"

CLEAN = (Path("tests/fixtures/site") / M).read_bytes()
case("01-unclosed-quote", {M: model(head='id: unknowns\ntitle: "Llama 3\nprovider: acme\n')})
case("02-tab-indentation", {M: model(extra="limits:\n\tcontext_window: 1000\n")})
case("03-colon-in-plain-value", {M: model(head="id: unknowns\ntitle: Llama: 3\nprovider: acme\n")})
case("04-duplicate-key", {M: model(extra="title: Again\n")})
case("05-yaml11-booleans-stay-strings", {M: model(extra="aliases: [en, no]\nfamily: NO\n")},
     contains=["llms/models/unknowns.md|- Aliases: `en`, `no`", "llms/models/unknowns.md|- Family: NO"])
case("06-version-number-not-a-string", {M: model(extra="family: 1.10\n")})
case("07-sexagesimal-not-a-number", {M: model(extra="limits:\n  context_window: 1:20\n")})
case("08-impossible-date", {M: model(extra="release_date: 2024-13-45\n")})
case("09-python-tag", {M: model(extra="extra: !!python/object/apply:os.system ['id']\n")})
case("10-other-tags", {M: model(extra="extra: !!binary aGk=\n"),
                       "content/models/acme/ref.md": model(head="id: ref\ntitle: !Ref Other\nprovider: acme\n"),
                       "content/models/acme/set.md": model(head="id: set\nprovider: acme\n", extra="aliases: !!set {a, b}\n")})
lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98+i)}: &{chr(98+i)} [*{chr(97+i)},*{chr(97+i)},*{chr(97+i)},*{chr(97+i)},*{chr(97+i)}]\n" for i in range(8))
case("11-billion-laughs", {M: "---\n" + lol + "---\n"})
case("12-front-matter-not-a-mapping", {M: "---\n- id: unknowns\n- provider: acme\n---\n",
                                       "content/models/acme/scalar.md": "---\njust a string\n---\n",
                                       "content/models/acme/empty.md": "---\n---\nBody only.\n"})
case("13-unterminated-front-matter", {M: "---\nid: unknowns\nprovider: acme\ndata_updated: 2026-01-15\n\nBody.\n"})
case("14-no-front-matter", {M: "# Model With Unknowns\n\nJust prose.\n"})
case("15-delimiter-trailing-space", {M: CLEAN.replace(b"---\n", b"--- \n", 1).replace(b"\n---\n", b"\n---\t\n", 1)}, twin=True)
case("16-unknown-key", {M: model(extra="tittle: Typo\n")})
case("17-wrong-types", {M: model(extra="limits:\n  context_window: \"eight\"\naliases: llama\n")})
big = "x" * (70 * 1024)
case("18-file-too-large", {M: model(extra=f"description: {big[:400]}\nextra:\n  blob: {big}\n"),
                           "content/models/acme/huge-body.md": model(head="id: huge-body\nprovider: acme\n", body="word " * 220_000)})
case("19-utf8-bom", {M: b"\xef\xbb\xbf" + CLEAN}, twin=True)
case("20-crlf-line-endings", {M: CLEAN.replace(b"\n", b"\r\n")}, twin=True)
case("21-latin1-byte", {M: model(head="id: unknowns\ntitle: Caf\u00e9\nprovider: acme\n").encode("utf-8").replace("é".encode(), b"\xe9")})
case("22-utf16-file", {M: CLEAN.decode().encode("utf-16")})
case("23-control-characters", {M: model(head="id: unknowns\ntitle: \"a\x00b\"\nprovider: acme\n"),
                                "content/models/acme/c0.md": model(head="id: c0\ntitle: \"bell\x07\"\nprovider: acme\n"),
                                "content/models/acme/nonchar.md": model(head="id: nonchar\ntitle: \"x\ufffe\"\nprovider: acme\n")})
nfc, nfd = "caf\u00e9", "cafe\u0301"
case("24-nfc-nfd-slug-collision", {f"content/models/acme/{nfc}.md": model(head=f"id: {nfc}\nprovider: acme\n"),
                                   f"content/models/google/{nfd}.md": model(head=f"id: {nfd}\nprovider: google\n")})
case("25-same-slug-twice", {"content/models/google/unknowns.md": model(head="id: unknowns\nprovider: google\n")})
case("26-slug-differs-in-case", {"content/models/acme/Rocket.md": model(head="id: Rocket\nslug: Rocket\nprovider: acme\n")})
trav = {"content/models/acme/t1.md": "../../etc/x", "content/models/acme/t2.md": "/etc/passwd",
        "content/models/acme/t3.md": "a/../../x", "content/models/acme/t4.md": "..",
        "content/models/acme/t5.md": "%2e%2e", "content/models/acme/t6.md": "a\\\\..\\\\b"}
case("27-slug-traversal", {p: model(head=f"id: {Path(p).stem}\nslug: \"{s}\"\nprovider: acme\n") for p, s in trav.items()})
case("28-reserved-slugs", {f"content/models/acme/{s}.md": model(head=f"id: \"{s}\"\nprovider: acme\n")
                           for s in ("sitemap", "llms", "index", "404")})
case("29-long-bidi-zero-width-slugs", {"content/models/acme/" + "a" * 130 + ".md": model(head="id: " + "a" * 130 + "\nprovider: acme\n"),
                                       "content/models/acme/bidi.md": model(head="id: bidi\nslug: \"evil\u202egnp\"\nprovider: acme\n"),
                                       "content/models/acme/zw.md": model(head="id: zw\ntitle: \"zero\u200bwidth\"\nprovider: acme\n")})
case("31-link-to-missing-page", {M: model(body="See [the other model](/model/nope) for more.\n")})
case("32-link-to-missing-anchor", {M: model(body="See [pricing](/model/gemini-2.5-pro#nope).\n")}, args="build --strict")
case("33a-site-url-localhost", {"mkdocs.yml": "site_name: Fixture Catalogue\nsite_url: http://localhost:8000/\nplugins:\n  - site_gen\n"})
case("33b-site-url-without-scheme", {"mkdocs.yml": "site_name: Fixture Catalogue\nsite_url: fixture.example.org/\nplugins:\n  - site_gen\n"})
case("33c-site-url-path-without-slash", {"mkdocs.yml": "site_name: Fixture Catalogue\nsite_url: https://fixture.example.org/docs\nplugins:\n  - site_gen\n"})
case("37-javascript-url-fields", {M: model(extra="links:\n  - {title: Home, url: \"javascript:alert(1)\"}\nsources:\n  - {name: x, url: \"data:text/html,<b>x</b>\"}\n")})
case("42-template-typo", {"templates/model.html": '{% extends "base.html" %}\n{% block main %}\n<h1>{{ page.title }}</h1>\n<p>{{ page.data.paramz }}</p>\n{% endblock %}\n'})
case("44a-output-dot", {}, args="build --output .")
case("44b-output-content", {}, args="build --output content")
case("44c-output-parent", {}, args="build --output ..")
case("44d-output-home", {}, args="build --output ~")
case("48a-source-date-epoch-text", {}, env={"SOURCE_DATE_EPOCH": "abc"})
case("48b-source-date-epoch-negative", {}, env={"SOURCE_DATE_EPOCH": "-1"})
case("48c-source-date-epoch-float", {}, env={"SOURCE_DATE_EPOCH": "1700000000.5"})
