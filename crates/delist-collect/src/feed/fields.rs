//! What a feed's column or key means: the spellings of Google Merchant Center's product data
//! specification (`id`, `title`, `description`, `brand`, `gtin`, `mpn`; `g:`-prefixed in XML),
//! Shopify's product CSV (`Handle`, `Title`, `Vendor`, `Variant SKU`, `Variant Barcode`),
//! Amazon's and marketplaces' common headers (`sku`, `item_id`, `asin`, `manufacturer`,
//! `seller`), and hand-made spreadsheets.
//!
//! Owns the vocabulary only; it must never decide what a value proves nor read any input.

use crate::inventory::Mapping;
use crate::inventory::fields::norm;

/// The fields delist reads from a product row (`--map COLUMN=FIELD` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    Brand,
    Manufacturer,
    Title,
    Gtin,
    Description,
    Seller,
}

impl Field {
    pub const COUNT: usize = 7;
    pub const ALL: [Field; Self::COUNT] =
        [Self::Id, Self::Brand, Self::Manufacturer, Self::Title, Self::Gtin, Self::Description, Self::Seller];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Brand => "brand",
            Self::Manufacturer => "manufacturer",
            Self::Title => "title",
            Self::Gtin => "gtin",
            Self::Description => "description",
            Self::Seller => "seller",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "id" | "sku" => Self::Id,
            "brand" => Self::Brand,
            "manufacturer" | "maker" => Self::Manufacturer,
            "title" | "name" => Self::Title,
            "gtin" | "ean" | "upc" => Self::Gtin,
            "description" => Self::Description,
            "seller" => Self::Seller,
            _ => return None,
        })
    }
}

/// Header spellings of each field, normalised (lower case, letters and digits only), best first.
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Id,
        &[
            "id",
            "sku",
            "itemid",
            "productid",
            "offerid",
            "listingid",
            "variantsku",
            "sellersku",
            "asin",
            "itemnumber",
            "articlenumber",
            "productcode",
            "handle",
        ],
    ),
    (Field::Brand, &["brand", "brandname", "productbrand", "vendor", "make"]),
    (Field::Manufacturer, &["manufacturer", "manufacturername", "maker", "mfr", "mfg", "producer"]),
    (Field::Title, &["title", "producttitle", "productname", "itemname", "itemtitle", "name", "product"]),
    (
        Field::Gtin,
        &["gtin", "gtins", "ean", "upc", "gtin13", "gtin12", "gtin14", "ean13", "upca", "barcode", "variantbarcode"],
    ),
    (Field::Description, &["description", "productdescription", "shortdescription", "longdescription", "bodyhtml"]),
    (Field::Seller, &["seller", "sellername", "merchant", "merchantname", "soldby", "store", "shop"]),
];

/// The field a header names and how good a spelling of it this is (lower is better).
pub(crate) fn alias(header: &str) -> Option<(Field, usize)> {
    let n = norm(header.strip_prefix("g:").unwrap_or(header));
    ALIASES.iter().find_map(|(f, names)| names.iter().position(|a| *a == n).map(|p| (*f, p)))
}

/// `--map` pairs as (column header, field), or what is wrong with one.
pub(crate) fn mapped(map: &Mapping) -> Result<Vec<(String, Field)>, String> {
    map.columns
        .iter()
        .map(|(c, f)| match Field::parse(f) {
            Some(field) if !c.trim().is_empty() => Ok((c.trim().to_string(), field)),
            Some(_) => Err(format!("--map ={f}: the column name is empty")),
            None => Err(format!(
                "--map {c}={f}: unknown field {f:?} (fields: id, brand, manufacturer, title, gtin, description, seller)"
            )),
        })
        .collect()
}

/// Which column holds which field: the `--map` entries first, then the best alias of each.
pub(crate) fn resolve(headers: &[&str], map: &[(String, Field)]) -> [Option<usize>; Field::COUNT] {
    let mut out = [None; Field::COUNT];
    let mut rank = [usize::MAX; Field::COUNT];
    for (col, field) in map {
        if let Some(i) = headers.iter().position(|h| h.trim().eq_ignore_ascii_case(col)) {
            out[*field as usize] = Some(i);
            rank[*field as usize] = 0;
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if map.iter().any(|(c, _)| h.trim().eq_ignore_ascii_case(c)) {
            continue;
        }
        if let Some((f, r)) = alias(h)
            && r + 1 < rank[f as usize]
        {
            out[f as usize] = Some(i);
            rank[f as usize] = r + 1;
        }
    }
    out
}

/// Whether resolved columns can say whose product a row is.
pub(crate) fn identifies(cols: &[Option<usize>; Field::COUNT]) -> bool {
    [Field::Brand, Field::Manufacturer, Field::Title, Field::Gtin].iter().any(|f| cols[*f as usize].is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_center_shopify_and_marketplace_headers() {
        let cols = resolve(&["g:id", "g:title", "g:brand", "g:gtin", "g:description"], &[]);
        assert_eq!(cols, [Some(0), Some(2), None, Some(1), Some(3), Some(4), None]);
        let cols = resolve(&["Handle", "Title", "Vendor", "Variant SKU", "Variant Barcode"], &[]);
        assert_eq!(cols[Field::Id as usize], Some(3), "Variant SKU outranks Handle");
        assert_eq!(cols[Field::Brand as usize], Some(2));
        assert_eq!(cols[Field::Gtin as usize], Some(4));
        let m = mapped(&Mapping { columns: vec![("Hersteller".into(), "manufacturer".into())] }).expect("map");
        let cols = resolve(&["Artikel", "Hersteller"], &m);
        assert_eq!(cols[Field::Manufacturer as usize], Some(1));
        assert!(mapped(&Mapping { columns: vec![("x".into(), "colour".into())] }).is_err());
    }
}
