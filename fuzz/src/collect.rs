//! The bodies of the fuzz targets over delist-collect's parsers, one module per target (each
//! `fuzz_targets/NAME.rs` calls `NAME::run`). This file is also compiled into delist-collect's
//! tests (`tests/fuzz_regressions.rs`, by `#[path]`), which replay fuzz/regressions/NAME/ through
//! the same `run`: so it may use only delist-collect, delist-core and their dependencies.

pub mod android {
    //! APK and IPA files: the zip reader, binary XML, APK Signing Block, PKCS#7/X.509 and
    //! provisioning-profile parsers never panic, never hang and never allocate from an unchecked
    //! size. The whole input is read as a package; each piece also sees it raw, so one corpus
    //! (seed it with tests/fixtures/mobile/*.apk and *.ipa) covers all of them.
    use delist_collect::files::android::{Android, apksig, axml, ipa, pkcs7};
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `android` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz.apk", target: "fuzz", depth: 0 };
        if Android.sniff(&data[..data.len().min(4096)]) {
            let _ = Android.inspect(&Bytes(data), place);
        }
        let _ = axml::parse_manifest(data);
        let _ = apksig::signers(data);
        let _ = apksig::find_block(&Bytes(data), data.len() as u64);
        let _ = ipa::parse_profile(data);
        if let Ok(sd) = pkcs7::parse_signed_data(data) {
            let _ = pkcs7::signers(&sd);
        }
        if let Ok(c) = pkcs7::parse_cert(data) {
            let _ = pkcs7::signer_of(&c, &[c]);
        }
    }
}

pub mod archive {
    //! Archives (zip, tar, tar.gz/xz/zst, nested): the central directory and tar walks, the
    //! decompressors and the bomb checks never panic, never hang and never allocate from an
    //! unchecked size; whatever a member claims, the caps hold.
    use delist_collect::files::archive::Archive;
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `archive` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
        let _ = Archive.sniff(data);
        match Archive.inspect_parts(&Bytes(data), place) {
            Ok(ins) => {
                for (path, error) in ins.errors {
                    let _ = (path.len(), error.len());
                }
            }
            Err(e) => {
                let _ = e.len();
            }
        }
    }
}

pub mod authenticode {
    //! Fuzzes the Authenticode reader on its own: the `WIN_CERTIFICATE` table, the PKCS #7
    //! `SignedData` inside it and the X.509 certificates it carries. The `pe` target reaches these
    //! only through a valid PE; here the input is the table itself, and also the input wrapped in one
    //! well-formed `WIN_CERTIFICATE` entry so mutations spend their time inside the DER.
    use delist_collect::files::pe::{authenticode, der};

    /// The body of the `authenticode` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = authenticode::parse_table(data);

        // One entry: dwLength (header included), wRevision 2.0, WIN_CERT_TYPE_PKCS_SIGNED_DATA.
        let mut table = Vec::with_capacity(data.len() + 8);
        let len = u32::try_from(data.len() + 8).unwrap_or(u32::MAX);
        table.extend_from_slice(&len.to_le_bytes());
        table.extend_from_slice(&0x0200u16.to_le_bytes());
        table.extend_from_slice(&0x0002u16.to_le_bytes());
        table.extend_from_slice(data);
        let (sigs, _) = authenticode::parse_table(&table);
        for s in &sigs {
            let _ = s.digest.algorithm();
            let _ = s.verdict(None);
            let _ = s.verdict(Some(&[0u8; 32]));
        }

        // The certificate reader and the text helpers on a bare DER element.
        if let Ok((tlv, _)) = der::read(data) {
            if let Ok(c) = der::certificate(&tlv) {
                let _ = der::dn_text(&c.subject);
                let _ = der::dn_text(&c.issuer);
                let _ = der::serial_hex(c.serial);
            }
            let _ = der::string_value(&tlv);
            let _ = der::time_text(&tlv);
            let _ = der::dn_text(&tlv);
            let _ = der::oid_text(tlv.value);
        }
    }
}

pub mod browser_manifest {
    //! Browser extension metadata: a WebExtension `manifest.json`, a `_locales` `messages.json`,
    //! Firefox's `extensions.json`, addons.mozilla.org addresses and `.xpi` zips. Never panics;
    //! deep JSON is an error, not a stack overflow.
    use delist_collect::browser::{self, firefox};

    /// The body of the `browser_manifest` fuzz target.
    pub fn run(data: &[u8]) {
        if let Ok(m) = browser::parse_manifest(data)
            && let Some(key) = m.name.as_deref().and_then(browser::message_key)
        {
            let _ = browser::lookup_message(data, key);
        }
        let _ = browser::lookup_message(data, "extName");
        let _ = firefox::parse_extensions_json(data);
        let _ = firefox::amo_slug(&String::from_utf8_lossy(data));
        let _ = firefox::read_xpi(data);
    }
}

pub mod container {
    //! Container images: `manifest.json`, OCI index/manifest and image-config JSON, digests, and a
    //! layer's tar (plain, or gzip/zstd when the input starts with their magic) merged into a view
    //! that is then listed and read. Never panics, never hangs, never allocates from an unchecked
    //! size. Seed with the layer tars and JSON of tests/fixtures/container.
    use delist_collect::container::layers::{Image, Layer, Region, View};
    use delist_collect::container::{docker, oci};
    use std::sync::Arc;

    /// The body of the `container` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = docker::parse_manifest(data);
        let _ = docker::diff_ids(data);
        if let Ok(d) = oci::parse(data, "fuzz") {
            let _ = d.manifests.as_deref().map(oci::choose);
        }
        let _ = oci::blob_path(&String::from_utf8_lossy(data));
        // Two layers: the input, then the input's second half (whiteouts applied over the first).
        let half = data.get(data.len() / 2..).unwrap_or(&[]);
        let layers: Vec<Layer> = [data, half]
            .iter()
            .filter_map(|b| Layer::new("fuzz".into(), Region::from_bytes(b.to_vec())).ok())
            .collect();
        let Ok((image, _)) = Image::new(layers) else { return };
        if image.layers.is_empty() {
            return;
        }
        let last = image.layers.len() - 1;
        let view = View::build(Arc::new(image), last);
        let paths: Vec<String> = view.merged.keys().take(64).cloned().collect();
        let _ = view.read_dir("/", 1000);
        for p in paths {
            let _ = view.read(&p, 1 << 20);
            let _ = view.read_dir(&p, 1000);
        }
    }
}

pub mod deflate_peek {
    //! The prefix decoder of zip members and gzip bodies: never panics, and wherever it decodes a
    //! stream's first bytes, they are the bytes zlib-rs (through flate2) decodes — so a member is
    //! sniffed by what it really holds.
    use delist_collect::files::archive::peek::{MAX_PEEK, peek};
    use std::io::Read;

    /// The body of the `deflate_peek` fuzz target.
    pub fn run(data: &[u8]) {
        let Some((&n, stream)) = data.split_first() else { return };
        let n = usize::from(n) * 16 % (MAX_PEEK + 1);
        let Ok(ours) = peek(stream, n) else { return };
        // zlib-rs's answer: what it decodes before the stream ends or breaks.
        let mut theirs = Vec::new();
        let mut d = flate2::read::DeflateDecoder::new(stream).take(n as u64);
        if d.read_to_end(&mut theirs).is_ok() {
            assert_eq!(ours, theirs);
        }
    }
}

pub mod dpkg_status {
    //! dpkg status text: parsing and turning stanzas into artifacts never panics.

    /// The body of the `dpkg_status` fuzz target.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let (stanzas, _) = delist_collect::dpkg::parse(&text);
        for s in &stanzas {
            let _ = delist_collect::dpkg::artifact(s, "/var/lib/dpkg/status", "fuzz");
        }
    }
}

pub mod elf {
    //! ELF package notes: the header, section and program header walk and the note reader never
    //! panic, never hang and never allocate from an unchecked size, whatever the bytes.
    use delist_collect::files::elf::Elf;
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `elf` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
        if let Ok(artifacts) = Elf.inspect(&Bytes(data), place) {
            for a in artifacts {
                let _ = (a.name.len(), a.fields.len());
            }
        }
    }
}

pub mod feed {
    //! Product feeds (delimited, JSON lines, JSON arrays, Merchant Center XML, compressed or not):
    //! any bytes read to rows or errors, never to a panic; and the prefilter never drops a row the
    //! full path would hand on with a vendor name in it.
    use delist_collect::feed::{Header, Options, Row, Visitor, read};
    use delist_collect::inventory::Mapping;

    #[derive(Default)]
    struct Count {
        rows: u64,
        skipped: u64,
    }

    impl Visitor for Count {
        fn header(&mut self, _: &Header) {}
        fn row(&mut self, _: &Row<'_>) {
            self.rows += 1;
        }
        fn skipped(&mut self, _: u64, _: &[u8]) {
            self.skipped += 1;
        }
        fn error(&mut self, _: String) {}
    }

    /// The body of the `feed` fuzz target.
    pub fn run(data: &[u8]) {
        let mut c = Count::default();
        let _ = read(data, Options::default(), &mut c);
        let map = Mapping { columns: vec![("a".into(), "brand".into()), ("b".into(), "title".into())] };
        let mut c = Count::default();
        let _ = read(data, Options { map: Some(&map), prefilter: None }, &mut c);
    }
}

pub mod inventory {
    //! App inventories (CSV/TSV, JSON lines, JSON documents, UTF-8 or UTF-16): any bytes sniff and
    //! read to artifacts or errors, never to a panic, with and without `--map`, and as UTF-16.
    use delist_collect::Output;
    use delist_collect::inventory::{Mapping, read, sniff};

    /// The body of the `inventory` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = sniff(data);
        let mut out = Output::default();
        read(data, "/fuzz", "inventory:fuzz", &Mapping::default(), &mut out);
        let map = Mapping { columns: vec![("a".into(), "name".into()), ("b".into(), "id".into())] };
        read(data, "/fuzz", "inventory:fuzz", &map, &mut out);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend_from_slice(data);
        read(&utf16[..], "/fuzz", "inventory:fuzz", &Mapping::default(), &mut out);
    }
}

pub mod leases {
    //! DHCP lease files (ISC, dnsmasq, Kea), MAC CSVs and /proc/net/arp: never a panic. Seed the
    //! corpus with crates/delist-collect/tests/fixtures/network/*.leases, *.csv.

    /// The body of the `leases` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = delist_collect::network::leases::parse(data);
        let text = String::from_utf8_lossy(data);
        let _ = delist_collect::network::macs::parse(&text);
        let _ = delist_collect::network::neigh::parse(&text);
        let _ = delist_core::Mac::parse(&text);
    }
}

pub mod live {
    //! Services and live signals: systemd unit files, a kernel module's `.modinfo` (through the ELF
    //! section headers), `/proc/modules` and sysfs ids. Never panics, never allocates from an
    //! unchecked size. Seed with tests/fixtures/live (units, .ko files, proc/modules).
    use delist_collect::live::{devices, modules};
    use delist_collect::{kmod, systemd};

    /// The body of the `live` fuzz target.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let _ = systemd::parse(&text);
        let _ = modules::parse(&text);
        let _ = devices::hex_id(&text);
        if let Ok(info) = kmod::modinfo(data) {
            let _ = kmod::artifact("fuzz.ko", &info, "/fuzz.ko", "fuzz");
        }
    }
}

pub mod macho {
    //! Mach-O: the whole format through a byte-slice file (fat and thin headers, load commands, the
    //! code signature with its page-hash check), and the signature's pure parsers on the raw input
    //! (SuperBlob, CodeDirectory, BER→DER, CMS SignedData, X.509), so that inputs the headers would
    //! never lead to still reach them. Never panics, never hangs, never allocates what the input says.
    use delist_collect::files::macho::{self, MachO, cms, codesign};
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `macho` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
        if macho::sniff(data) {
            let _ = MachO.inspect(&Bytes(data), place);
        }
        if let Ok(sig) = codesign::parse_superblob(data) {
            let _ = sig.best();
            let _ = sig.internal_slots_ok();
        }
        let _ = codesign::parse_code_directory(data, 0);
        let _ = cms::ber_to_der(data);
        let _ = cms::parse_signed_data(data);
        let _ = cms::parse_certificate(data);
    }
}

pub mod macos_plists {
    //! macOS records read from property lists (XML or binary): package receipts (new and old),
    //! launchd job definitions and the system-extension database. Never panics.
    use delist_collect::macos::{kext, launchd, receipts};

    /// The body of the `macos_plists` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = receipts::parse_receipt(data);
        let _ = receipts::parse_bundle_receipt(data);
        let _ = launchd::parse_job(data);
        let _ = kext::parse_sysext_db(data);
    }
}

pub mod msi {
    //! MSI packages: the compound-file reader (FAT/DIFAT/mini FAT chains, directory trees), the
    //! string pool and the Property table never panic, never hang (chain and tree cycles) and never
    //! allocate from an unchecked size. Seed the corpus with tests/fixtures/msi/*.msi.
    use delist_collect::files::msi::{Msi, StringPool, cfb, properties};
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `msi` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz.msi", target: "fuzz", depth: 0 };
        let _ = Msi.inspect(&Bytes(data), place);
        let file = Bytes(data);
        if let Ok(mut c) = cfb::Cfb::open(&file) {
            for (_, i) in c.root_streams() {
                let _ = c.read_stream(i, 1 << 20);
            }
        }
        // The string pool and a Property table from the two halves of the input.
        let (a, b) = data.split_at(data.len() / 2);
        if let Ok(pool) = StringPool::new(a.to_vec(), b.to_vec()) {
            let _ = properties(&pool, b);
            let _ = properties(&pool, a);
        }
    }
}

pub mod nmap_xml {
    //! nmap XML: the reader never panics and never nests past its depth cap. Seed the corpus with
    //! crates/delist-collect/tests/fixtures/network/nmap-loopback.xml.

    /// The body of the `nmap_xml` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = delist_collect::network::nmap::parse(data);
    }
}

pub mod package_dbs {
    //! The text package databases (apk installed, pacman desc, snap state/snap.yaml/assertions,
    //! flatpak key files and AppStream XML, Homebrew receipts and cask definitions): every parser
    //! sees every input and never panics.
    use delist_collect::{apk, flatpak, homebrew, pacman, snap};

    /// The body of the `package_dbs` fuzz target.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let (records, _) = apk::parse(&text);
        for r in &records {
            let _ = apk::artifact(r, "/lib/apk/db/installed", "fuzz");
        }
        let (desc, _) = pacman::parse_desc(&text);
        let _ = pacman::artifact(&desc, "/var/lib/pacman/local/x/desc", "fuzz");
        let _ = snap::parse_state(&text);
        let _ = snap::parse_yaml_scalars(&text);
        let _ = snap::parse_assertion(&text);
        let _ = flatpak::parse_keyfile(&text);
        let _ = flatpak::parse_appstream(&text);
        let _ = homebrew::parse_receipt(&text);
        let _ = homebrew::parse_cask_json(&text);
        let _ = homebrew::parse_ruby(&text);
    }
}

pub mod pcap {
    //! pcap and pcapng captures, and the DHCP, DNS, SSDP, HTTP, UPnP and TLS readers behind them:
    //! never a panic, never an allocation from an unchecked length. Seed the corpus with
    //! crates/delist-collect/tests/fixtures/network/capture.pcap and capture.pcapng.

    /// The body of the `pcap` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = delist_collect::network::pcap::parse(data);
        let mut o = delist_collect::network::Observed::default();
        delist_collect::network::pcap::http_response(data, &mut o);
        delist_collect::network::pcap::upnp_description(data, &mut o);
        delist_collect::network::pcap::tls_certificate(data, &mut o);
    }
}

pub mod pe {
    //! PE: the whole format through a byte-slice file (headers, resource tree, version resource,
    //! certificate table, image hash), and each of its pure parsers on the raw input, so that
    //! inputs the headers would never lead to still reach them. Never panics, never hangs.
    use delist_collect::files::pe::{self, Pe};
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `pe` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz.exe", target: "fuzz", depth: 0 };
        if pe::sniff(data) {
            let _ = Pe.inspect(&Bytes(data), place);
        }
        let _ = pe::version::version_resources(data);
        let _ = pe::version::parse_version_info(data);
        let _ = pe::authenticode::parse_table(data);
    }
}

pub mod pem_bundle {
    //! Trust-store files: PEM bundles (CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE blocks)
    //! or one DER certificate, and each certificate's subject, issuer, serial and thumbprints.
    //! Never panics; an unclosed block, bad base64 or truncated DER is an error.
    use delist_collect::truststore;

    /// The body of the `pem_bundle` fuzz target.
    pub fn run(data: &[u8]) {
        if let Ok(certs) = truststore::certificates(data) {
            for c in certs {
                let _ = truststore::describe(&c);
            }
        }
        let _ = truststore::describe(data);
    }
}

pub mod pkgfile {
    //! .deb and .rpm package files: the ar walk, control.tar decompression and tar walk, and the rpm
    //! lead and headers never panic, never hang and never allocate from an unchecked size.
    use delist_collect::files::pkgfile::PkgFile;
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `pkgfile` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
        let _ = PkgFile.sniff(data);
        if let Ok(artifacts) = PkgFile.inspect(&Bytes(data), place) {
            for a in artifacts {
                let _ = (a.name.len(), a.fields.len());
            }
        }
    }
}

pub mod plist {
    //! Property lists: binary (`bplist00`, with its offset table, references, counts and cycles)
    //! and XML, and the Info.plist bundle keys. Never panics, never hangs, never recurses past its
    //! depth cap or expands a shared object past its budget.
    use delist_collect::files::plist;

    /// The body of the `plist` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = plist::parse(data);
        let _ = plist::parse_binary(data);
        let _ = plist::parse_xml(data);
        let _ = plist::bundle_info(data);
        let _ = plist::base64_decode(&String::from_utf8_lossy(data));
    }
}

pub mod regf {
    //! Windows registry hives (regf): the base block, then every key, value and certificate store the
    //! Windows collector reads — Uninstall views, the current control set's services, the root
    //! stores' certificate blobs — and a walk over the whole key tree, which must end (cycles and
    //! fan-out are bounded) without a panic.
    use delist_collect::windows::{certstore, regf::Hive, services, uninstall};

    /// The body of the `regf` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = certstore::blob_certificate(data).map(certstore::describe);
        let Ok(h) = Hive::parse(data) else { return };
        for view in uninstall::machine_views() {
            let _ = uninstall::programs(&h, &view.path);
        }
        let _ = services::services(&h);
        for store in certstore::machine_stores() {
            let _ = certstore::store_certificates(&h, &store);
        }
        let _ = h.walk(&mut |k| {
            let _ = h.values(k);
        });
    }
}

pub mod rpm_db {
    //! rpm databases: the header decoder and the three database readers never panic, never hang and
    //! never allocate from an unchecked size, whatever the bytes. Every reader sees every input, so
    //! one corpus exercises all of them; `sniff` + `read_any` covers the dispatch too.
    use delist_collect::rpm::{parse_header, read_any, read_bdb, read_ndb, read_sqlite, sniff};

    /// The body of the `rpm_db` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = parse_header(data);
        let (packages, errors) = read_bdb(data);
        consume(&packages, &errors);
        let (packages, errors) = read_ndb(data);
        consume(&packages, &errors);
        // SQLite copies the input: keep the in-memory database small enough for fuzzing speed.
        if data.len() <= 1 << 20 {
            let (packages, errors) = read_sqlite(data);
            consume(&packages, &errors);
        }
        if sniff(data).is_some() {
            let (packages, errors) = read_any(data);
            consume(&packages, &errors);
        }
    }

    /// Formats every error (Display must not panic either) and touches every field.
    fn consume(packages: &[delist_collect::rpm::RpmPackage], errors: &[delist_collect::rpm::RpmError]) {
        for p in packages {
            let _ = (p.name.len(), p.epoch, p.version.len(), p.release.len(), p.vendor.as_deref());
        }
        for e in errors {
            let _ = e.to_string();
        }
    }
}

pub mod sbom {
    //! The SBOM readers (CycloneDX JSON and XML, SPDX JSON and tag-value): the sniffer and every
    //! reader see every input and never panic; whatever they read names the file it came from, and
    //! the number of problems one document reports stays capped.
    use delist_collect::Output;
    use delist_collect::sbom::{self, Format, MAX_PROBLEMS};

    /// The body of the `sbom` fuzz target.
    pub fn run(data: &[u8]) {
        let _ = sbom::detect(data);
        let mut out = Output::default();
        sbom::read(data, "/fuzz.sbom", "sbom:fuzz", &mut out);
        for format in Format::ALL {
            let mut out = Output::default();
            sbom::read_as(format, data, "/fuzz.sbom", "sbom:fuzz", &mut out);
            assert!(out.artifacts.iter().all(|a| a.path == "/fuzz.sbom" && a.target == "sbom:fuzz"));
            assert!(out.errors.len() <= MAX_PROBLEMS + 1);
        }
    }
}

pub mod xar {
    //! xar (`.pkg`): the whole format through a byte-slice file (header, zlib TOC, heap checksum,
    //! signatures, Distribution/PackageInfo), and the TOC and identifier parsers on the raw input.
    use delist_collect::files::xar::{self, Xar};
    use delist_collect::files::{Bytes, FileFormat, Place};

    /// The body of the `xar` fuzz target.
    pub fn run(data: &[u8]) {
        let place = Place { path: "/fuzz.pkg", target: "fuzz", depth: 0 };
        if Xar.sniff(data) {
            let _ = Xar.inspect(&Bytes(data), place);
        }
        let _ = xar::parse_toc(data);
        let _ = xar::parse_ids(data, true);
        let _ = xar::parse_ids(data, false);
    }
}

pub mod hardware {
    //! Hardware facts handed in as files: `dmidecode --dump-bin` dumps and single SMBIOS entries,
    //! `lshw -json`, `lspci -vmm` and /proc/cpuinfo. Each reader sees every input, so one corpus
    //! (seed it with tests/fixtures/hardware/) covers all of them.
    use delist_collect::Output;
    use delist_collect::hardware::{self, Format};

    /// The body of the `hardware` fuzz target.
    pub fn run(data: &[u8]) {
        let mut out = Output::default();
        for f in [Format::DmiDump, Format::LshwJson, Format::LspciVmm] {
            hardware::read(data, f, "/f", "fuzz", &mut out);
        }
        let _ = hardware::smbios::parse_entry(data);
        let _ = hardware::smbios::structures(data);
        let _ = hardware::cpuinfo::parse(&String::from_utf8_lossy(data));
        let _ = hardware::sniff(data);
    }
}
