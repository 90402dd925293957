use super::*;
use delist_core::catalog::{SourceFile, load};
use delist_core::screen::Screener;
use delist_core::{Matcher, Selection};

/// Keeps what a feed hands on.
#[derive(Default)]
struct Keep {
    header: Option<Header>,
    rows: Vec<(u64, Vec<String>, Option<Vec<u8>>)>,
    skipped: Vec<(u64, Vec<u8>)>,
    errors: Vec<String>,
}

impl Visitor for Keep {
    fn header(&mut self, h: &Header) {
        self.header = Some(h.clone());
    }
    fn row(&mut self, r: &Row<'_>) {
        self.rows.push((r.number, r.values.iter().map(|s| s.to_string()).collect(), r.raw.map(<[u8]>::to_vec)));
    }
    fn skipped(&mut self, n: u64, raw: &[u8]) {
        self.skipped.push((n, raw.to_vec()));
    }
    fn error(&mut self, m: String) {
        self.errors.push(m);
    }
}

fn run(data: &[u8], opts: Options<'_>) -> (Result<u64, String>, Keep) {
    let mut k = Keep::default();
    let r = read(data, opts, &mut k);
    (r, k)
}

#[test]
fn quoted_fields_newlines_and_delimiters() {
    let text =
        "\u{feff}sku;Brand;Title\r\n1;Acme;\"a;b\"\"c\r\nd\"\r\n\r\n2;\"Zeta\";plain \"quote\" mid\n3;Last;no newline";
    let (r, k) = run(text.as_bytes(), Options::default());
    assert_eq!(r, Ok(3));
    let h = k.header.expect("header");
    assert_eq!(h.delimiter, Some(b';'));
    assert_eq!(h.raw.as_deref(), Some(&b"sku;Brand;Title"[..]));
    assert_eq!(k.rows[0].1[Field::Title as usize], "a;b\"c\r\nd");
    assert_eq!(k.rows[0].2.as_deref(), Some(&b"1;Acme;\"a;b\"\"c\r\nd\""[..]));
    assert_eq!(k.rows[1].1[Field::Brand as usize], "Zeta");
    assert_eq!(k.rows[1].1[Field::Title as usize], "plain \"quote\" mid");
    assert_eq!(k.rows[2].1[Field::Title as usize], "no newline");
    assert!(k.errors.is_empty());
    // Blank lines before the header are not the header.
    let (r, k) = run(b"\r\n\nsku,brand\n1,Acme\n", Options::default());
    assert_eq!(r, Ok(1));
    assert_eq!(k.header.and_then(|h| h.raw).as_deref(), Some(&b"sku,brand"[..]));
}

#[test]
fn not_a_feed_and_bad_map_are_errors() {
    assert!(run(b"Date,Amount\n1,2\n", Options::default()).0.expect_err("no product column").contains("--map"));
    assert!(run(b"", Options::default()).0.is_err());
    assert!(run(b"<html><body>hi</body></html>", Options::default()).0.is_err());
    let bad = Mapping { columns: vec![("x".into(), "colour".into())] };
    assert!(validate_map(&bad).is_err());
}

#[test]
fn rows_across_reads_and_blocks_arrive_whole() {
    // Rows of varied lengths over more than two blocks, so that rows straddle the buffer's
    // growth, each read and each block, and quoted newlines straddle some of them.
    let mut text = b"sku,brand,title\n".to_vec();
    let mut titles = Vec::new();
    while text.len() < 9 << 20 {
        let n = titles.len();
        let title = format!("{}\n{}", "t".repeat(n * 7919 % 3000), n);
        text.extend(format!("{n},B{n},\"{title}\"\n").as_bytes());
        titles.push(title);
    }
    let (r, k) = run(&text, Options::default());
    assert_eq!(r, Ok(titles.len() as u64));
    assert!(k.errors.is_empty(), "{:?}", k.errors);
    assert_eq!(k.rows.len(), titles.len());
    for (n, (row, title)) in k.rows.iter().zip(&titles).enumerate() {
        assert_eq!(row.0, n as u64 + 1);
        assert_eq!(row.1[Field::Brand as usize], format!("B{n}"));
        assert_eq!(&row.1[Field::Title as usize], title);
    }
}

#[test]
fn an_endless_row_stops_the_feed_not_the_memory() {
    let mut text = b"sku,brand,title\n1,Acme,\"".to_vec();
    text.extend(std::iter::repeat_n(b'x', 3 * MAX_ROW));
    let (r, k) = run(&text, Options::default());
    assert_eq!(r, Ok(0));
    assert!(k.errors[0].contains("longer than 1 MiB"), "{:?}", k.errors);
}

#[test]
fn json_and_xml_rows() {
    let (r, k) = run(b"{\"id\":\"1\",\"brand\":\"Acme\",\"gtin\":4006381333931}\nnot json\n[1]\n", Options::default());
    assert_eq!(r, Ok(3));
    assert_eq!(k.rows.len(), 1);
    assert_eq!(k.rows[0].1[Field::Gtin as usize], "4006381333931");
    assert_eq!(k.errors.len(), 2);
    let (r, k) = run(b" [ {\"sku\":\"a\",\"name\":\"T ]\"}, 5, {\"gtins\":[\"1\"]} ", Options::default());
    assert_eq!(r, Ok(3));
    assert_eq!(k.rows[0].1[Field::Title as usize], "T ]");
    assert_eq!(k.rows[1].1[Field::Gtin as usize], "1");
    assert_eq!(k.errors.len(), 2, "{:?}", k.errors);
    let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<title>Shop</title><entry><g:id>9</g:id><title>Caf&#233; &amp; co</title>
<g:shipping><g:id>nested</g:id></g:shipping><g:brand>B</g:brand></entry></feed>"#;
    let (r, k) = run(xml, Options::default());
    assert_eq!(r, Ok(1));
    assert_eq!(k.rows[0].1[Field::Id as usize], "9");
    assert_eq!(k.rows[0].1[Field::Title as usize], "Café & co");
    assert_eq!(k.rows[0].1[Field::Brand as usize], "B");
}

#[test]
fn malformed_inputs_are_errors_not_panics() {
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::default());
        e.write_all(b"sku,brand,title\n1,Acme,Lamp\n2,\"Hik\",Dome\n").expect("gzip");
        e.finish().expect("gzip");
    }
    let (r, k) = run(&gz, Options::default());
    assert_eq!(r, Ok(2), "{:?}", k.errors);
    let samples: Vec<Vec<u8>> = vec![
        gz.clone(),
        b"sku,brand,title\n1,\"Acme,Lamp\n".to_vec(),
        b"[{\"sku\":\"1\",\"brand\":\"A\"},{\"sku\":".to_vec(),
        b"<rss><channel><item><g:id>1</g:id><title>x".to_vec(),
        b"{\"id\":1}\n{\"id\":".to_vec(),
    ];
    for s in &samples {
        for cut in 0..s.len() {
            let _ = run(&s[..cut], Options::default());
        }
        for i in 0..s.len() {
            let mut flipped = s.clone();
            flipped[i] ^= 0x41;
            let _ = run(&flipped, Options::default());
        }
    }
}

/// On random rows, the rows the prefilter hands on include every row the screener flags.
#[test]
fn prefilter_is_sound_on_random_rows() {
    let catalog = load(&[
        SourceFile {
            name: "v".into(),
            rel: "vendors/hik.toml".into(),
            text: "[vendor]\nid = \"hik\"\nname = \"Hikvision\"\naliases = [\"Лаборатория\"]\nsources = [\"https://e\"]\n".into(),
        },
        SourceFile {
            name: "l".into(),
            rel: "lists/l.toml".into(),
            text: "[list]\nid = \"l\"\ntitle = \"L\"\nauthority = \"A\"\nbinding = true\nsources = [\"https://e\"]\n[[covers]]\nvendor = \"hik\"\nscope = \"all\"\n".into(),
        },
    ])
    .expect("catalog");
    let m = Matcher::new(&catalog);
    let sel = Selection::default_for(&catalog);
    let s = Screener::new(&m, &sel, jiff::civil::Date::constant(2026, 1, 1), "f", "f");
    let pre = s.prefilter();
    let words = [
        "Hik",
        "vision",
        "HIKVISION",
        "hik'vision",
        "Ｈｉｋｖｉｓｉｏｎ",
        "лаборатория",
        "for",
        "cam",
        "\"q,\"",
        "'",
        "x",
    ];
    let mut state = 12345u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let mut text = String::from("sku,brand,title\n");
    for i in 0..3000 {
        let mut cell = |k: usize| {
            (0..k).map(|_| words[next(words.len())]).collect::<Vec<_>>().join(if next(2) == 0 { " " } else { "" })
        };
        let (b, t) = (cell(2), cell(4));
        text.push_str(&format!("{i},\"{}\",\"{}\"\n", b.replace('"', "\"\""), t.replace('"', "\"\"")));
    }
    let (_, full) = run(text.as_bytes(), Options::default());
    let (_, fast) = run(text.as_bytes(), Options { map: None, prefilter: Some(&pre) });
    assert_eq!(fast.rows.len() + fast.skipped.len(), full.rows.len());
    let flagged = |k: &Keep| -> Vec<u64> {
        k.rows
            .iter()
            .filter(|(_, v, _)| {
                let p = delist_core::screen::ProductRow {
                    name: &v[Field::Id as usize],
                    brand: &v[Field::Brand as usize],
                    title: &v[Field::Title as usize],
                    ..Default::default()
                };
                !s.screen(&p).is_empty()
            })
            .map(|(n, _, _)| *n)
            .collect()
    };
    let want = flagged(&full);
    assert!(want.len() > 100, "the sample flags rows: {}", want.len());
    assert_eq!(flagged(&fast), want);
    assert!(!fast.skipped.is_empty(), "and skips some");
}
