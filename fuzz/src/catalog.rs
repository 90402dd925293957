//! The bodies of the fuzz targets over delist-core's parsers (catalog, policy and OUI tables), one
//! module per target. Also compiled into delist-core's tests (`tests/fuzz_regressions.rs`, by
//! `#[path]`): so it may use only delist-core and its dependencies.

pub mod catalog_toml {
    //! Catalog files (users write them): any bytes as a vendor and as a list file load to a catalog
    //! or to diagnostics, never to a panic.
    use delist_core::catalog::{SourceFile, load};

    /// The body of the `catalog_toml` fuzz target.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data).into_owned();
        for rel in ["vendors/fuzz.toml", "lists/fuzz.toml"] {
            let _ = load(&[SourceFile { name: rel.into(), rel: rel.into(), text: text.clone() }]);
        }
    }
}

pub mod oui_csv {
    //! The OUI table and MAC lookups: never a panic, whatever the bytes.
    use delist_core::catalog::oui::OuiTable;

    /// The body of the `oui_csv` fuzz target.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        if let Ok(t) = OuiTable::parse(&text) {
            for line in text.lines().take(16) {
                let _ = t.lookup(line);
            }
        }
        let _ = OuiTable::import(&[("fuzz.csv".into(), text.into_owned())], &[]);
    }
}

pub mod policy_toml {
    //! Policy files: any bytes parse to a policy or to diagnostics, never to a panic.
    use delist_core::catalog::{builtin_files, load};
    use delist_core::policy::Policy;
    use std::sync::OnceLock;

    static CATALOG: OnceLock<delist_core::Catalog> = OnceLock::new();

    /// The body of the `policy_toml` fuzz target.
    pub fn run(data: &[u8]) {
        let catalog = CATALOG.get_or_init(|| load(&builtin_files()).expect("built-in catalog is valid"));
        let _ = Policy::parse("delist.toml", &String::from_utf8_lossy(data), catalog);
    }
}
