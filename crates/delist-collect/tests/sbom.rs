//! The `sbom:` collector over the fixtures in `fixtures/sbom/` (see its README): exact artifacts
//! and fields, the two encodings of each format giving the same artifacts, the public CycloneDX
//! examples, and broken copies of every fixture giving errors, never panics.

use delist_collect::Output;
use delist_collect::target::{Target, TargetKind};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sbom").join(rel)
}

fn collect_path(p: &Path) -> (String, Output) {
    let input = format!("sbom:{}", p.display());
    let t = Target::parse(&input).expect("an sbom: target");
    assert_eq!(t.kind, TargetKind::Sbom);
    let mut out = Output::default();
    t.collect(&mut out, &|_| {});
    (input, out)
}

fn collect(rel: &str) -> (String, Output) {
    collect_path(&fixture(rel))
}

/// The role the contract gives each field name (independent of the collector's own table).
fn role(field: &str) -> Role {
    let last = field.rsplit('.').next().unwrap_or("");
    if field.ends_with("cpe.vendor") {
        return Role::Publisher;
    }
    match last {
        "supplier" | "manufacturer" | "manufacture" | "author" | "authors" | "publisher" | "provider"
        | "originator" => Role::Publisher,
        "url" | "homepage" => Role::Homepage,
        "purl" => Role::Identifier(IdKind::Package),
        "name" => Role::Name,
        "description" | "copyright" | "summary" | "comment" => Role::Text,
        _ => Role::Other,
    }
}

/// Builds an expected artifact from `(field, value)` pairs, in order.
fn art(kind: ArtifactKind, name: &str, version: &str, fields: &[(&str, &str)]) -> Artifact {
    let mut a = Artifact::new(kind, name, "", "").version(version);
    for (f, v) in fields {
        if f.ends_with("purl") {
            a = a.id(*v);
        }
        a = a.field(f, *v, role(f));
    }
    a
}

fn comp(name: &str, version: &str, fields: &[(&str, &str)]) -> Artifact {
    art(ArtifactKind::SbomComponent, name, version, fields)
}

fn svc(name: &str, version: &str, fields: &[(&str, &str)]) -> Artifact {
    art(ArtifactKind::SbomService, name, version, fields)
}

/// Artifacts without their path and target, which name the file.
fn bare(out: &Output) -> Vec<Artifact> {
    out.artifacts
        .iter()
        .cloned()
        .map(|mut a| {
            a.path.clear();
            a.target.clear();
            a
        })
        .collect()
}

fn assert_same(got: &[Artifact], want: &[Artifact]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "artifact #{i} ({})", w.name);
    }
    assert_eq!(got.len(), want.len(), "{:#?}", got.iter().map(|a| &a.name).collect::<Vec<_>>());
}

const KASPRESSO_SHA256: &str = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

fn app_16() -> Vec<Artifact> {
    let sha = format!("SHA-256:{KASPRESSO_SHA256}");
    vec![
        comp(
            "org.example:field-app",
            "4.2.0",
            &[
                ("cyclonedx.type", "application"),
                ("cyclonedx.group", "org.example"),
                ("cyclonedx.name", "field-app"),
                ("cyclonedx.metadata.supplier", "Example Corp"),
                ("cyclonedx.metadata.supplier.url", "https://example.org"),
                ("cyclonedx.purl", "pkg:maven/org.example/field-app@4.2.0"),
                ("cyclonedx.description", "Field service app for Example Corp technicians"),
            ],
        ),
        comp(
            "com.kaspersky.android-components:kautomator",
            "1.5.3",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "com.kaspersky.android-components"),
                ("cyclonedx.name", "kautomator"),
                ("cyclonedx.purl", "pkg:maven/com.kaspersky.android-components/kautomator@1.5.3?type=aar"),
            ],
        ),
        comp(
            "com.kaspersky.android-components:kaspresso",
            "1.5.3",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "com.kaspersky.android-components"),
                ("cyclonedx.name", "kaspresso"),
                ("cyclonedx.purl", "pkg:maven/com.kaspersky.android-components/kaspresso@1.5.3?type=aar"),
                ("cyclonedx.scope", "excluded"),
                ("cyclonedx.license", "Apache-2.0"),
                ("cyclonedx.hash", &sha),
                ("cyclonedx.description", "Android framework for UI testing"),
            ],
        ),
        comp(
            "github.com/bytedance/sonic/loader",
            "v0.1.1",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/bytedance/sonic/loader"),
                ("cyclonedx.purl", "pkg:golang/github.com/bytedance/sonic/loader@v0.1.1"),
            ],
        ),
        comp(
            "github.com/bytedance/sonic",
            "v1.11.6",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/bytedance/sonic"),
                ("cyclonedx.purl", "pkg:golang/github.com/bytedance/sonic@v1.11.6"),
                ("cyclonedx.license", "Apache-2.0"),
                ("cyclonedx.description", "A blazingly fast JSON serializing & deserializing library"),
            ],
        ),
        comp(
            "github.com/cloudwego/kitex",
            "v0.9.1",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/cloudwego/kitex"),
                ("cyclonedx.purl", "pkg:golang/github.com/cloudwego/kitex@v0.9.1"),
            ],
        ),
        comp(
            "kaspersky-scan-engine",
            "2.1.0",
            &[
                ("cyclonedx.type", "application"),
                ("cyclonedx.name", "kaspersky-scan-engine"),
                ("cyclonedx.supplier", "AO Kaspersky Lab"),
                ("cyclonedx.supplier.url", "https://www.kaspersky.com"),
                ("cyclonedx.manufacturer", "AO Kaspersky Lab"),
                ("cyclonedx.authors", "Kaspersky Lab"),
                ("cyclonedx.license", "Kaspersky Lab proprietary licence"),
                ("cyclonedx.description", "Anti-malware scanning engine"),
            ],
        ),
        comp(
            "anti-virus-sdk",
            "21.3",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "anti-virus-sdk"),
                ("cyclonedx.cpe", "cpe:2.3:a:kaspersky:anti-virus:21.3:*:*:*:*:*:*:*"),
                ("cyclonedx.cpe.vendor", "kaspersky"),
            ],
        ),
        comp(
            "hikvision-sdk-client",
            "2.0.1",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "hikvision-sdk-client"),
                ("cyclonedx.supplier", "Example Corp"),
                ("cyclonedx.manufacturer", "Example Corp"),
                ("cyclonedx.authors", "Example Corp camera team"),
                ("cyclonedx.purl", "pkg:npm/hikvision-sdk-client@2.0.1"),
                ("cyclonedx.cpe", "cpe:2.3:a:example:hikvision-sdk-client:2.0.1:*:*:*:*:*:*:*"),
                ("cyclonedx.cpe.vendor", "example"),
                ("cyclonedx.copyright", "Copyright 2025 Example Corp"),
                ("cyclonedx.description", "Client for Hikvision cameras (ISAPI), not affiliated with Hikvision"),
            ],
        ),
        comp(
            "onvif-discovery",
            "0.9.0",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "onvif-discovery"),
                ("cyclonedx.purl", "pkg:pypi/onvif-discovery@0.9.0"),
                ("cyclonedx.copyright", "Copyright 2024 Jane Doe"),
                (
                    "cyclonedx.description",
                    "Finds Huawei, Hikvision and Dahua cameras on the LAN; tested against Kaspersky and TikTok traffic",
                ),
            ],
        ),
        comp(
            "com.fasterxml.jackson.core:jackson-databind",
            "2.17.0",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "com.fasterxml.jackson.core"),
                ("cyclonedx.name", "jackson-databind"),
                ("cyclonedx.supplier", "FasterXML"),
                ("cyclonedx.purl", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0"),
                // The CPE's vendor is ANY (`*`): the CPE is kept, no vendor field is made of it.
                ("cyclonedx.cpe", "cpe:2.3:a:*:jackson-databind:2.17.0:*:*:*:*:*:*:*"),
                ("cyclonedx.license", "Apache-2.0"),
            ],
        ),
        svc(
            "opentip-hash-lookup",
            "",
            &[
                ("cyclonedx.name", "opentip-hash-lookup"),
                ("cyclonedx.endpoint", "https://opentip.kaspersky.com/api/v1/search/hash"),
            ],
        ),
        svc(
            "opentip-api",
            "v1",
            &[
                ("cyclonedx.name", "opentip-api"),
                ("cyclonedx.provider", "AO Kaspersky Lab"),
                ("cyclonedx.provider.url", "https://opentip.kaspersky.com"),
                ("cyclonedx.endpoint", "https://opentip.kaspersky.com/api/v1/search/hash"),
                ("cyclonedx.description", "Kaspersky Threat Intelligence Portal API"),
            ],
        ),
        svc(
            "payments-api",
            "2",
            &[
                ("cyclonedx.name", "payments-api"),
                ("cyclonedx.provider", "Example Payments Ltd"),
                ("cyclonedx.endpoint", "https://pay.example.org/v2"),
            ],
        ),
    ]
}

fn toolbox_12() -> Vec<Artifact> {
    vec![
        comp(
            "ops-toolbox",
            "2026.10",
            &[
                ("cyclonedx.type", "container"),
                ("cyclonedx.name", "ops-toolbox"),
                ("cyclonedx.metadata.supplier", "Example Corp"),
                ("cyclonedx.metadata.supplier.url", "https://example.org"),
                ("cyclonedx.metadata.manufacture", "Example Corp"),
                ("cyclonedx.description", "Operations toolbox image"),
            ],
        ),
        comp(
            "kesl",
            "12.0.0.6672",
            &[
                ("cyclonedx.type", "application"),
                ("cyclonedx.name", "kesl"),
                ("cyclonedx.publisher", "AO Kaspersky Lab"),
                ("cyclonedx.purl", "pkg:deb/debian/kesl@12.0.0.6672?arch=amd64"),
                ("cyclonedx.license", "Kaspersky EULA"),
                ("cyclonedx.description", "Kaspersky Endpoint Security for Linux"),
            ],
        ),
        comp(
            "com.kaspersky.android-components:kautomator",
            "1.5.3",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "com.kaspersky.android-components"),
                ("cyclonedx.name", "kautomator"),
                ("cyclonedx.purl", "pkg:maven/com.kaspersky.android-components/kautomator@1.5.3"),
            ],
        ),
        comp(
            "com.kaspersky.android-components:kaspresso",
            "1.5.3",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "com.kaspersky.android-components"),
                ("cyclonedx.name", "kaspresso"),
                ("cyclonedx.purl", "pkg:maven/com.kaspersky.android-components/kaspresso@1.5.3"),
                ("cyclonedx.hash", "SHA-1:0a4d55a8d778e5022fab701977c5d840bbc486d0"),
            ],
        ),
        comp(
            "@kaspersky/components",
            "6.39.0",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.group", "@kaspersky"),
                ("cyclonedx.name", "components"),
                ("cyclonedx.purl", "pkg:npm/%40kaspersky/components@6.39.0"),
                ("cyclonedx.license", "Apache-2.0"),
            ],
        ),
        comp(
            "github.com/bytedance/sonic/loader",
            "v0.1.1",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/bytedance/sonic/loader"),
                ("cyclonedx.purl", "pkg:golang/github.com/bytedance/sonic/loader@v0.1.1"),
            ],
        ),
        comp(
            "github.com/bytedance/sonic",
            "v1.11.6",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/bytedance/sonic"),
                ("cyclonedx.purl", "pkg:golang/github.com/bytedance/sonic@v1.11.6"),
            ],
        ),
        comp(
            "github.com/cloudwego/netpoll",
            "v0.6.0",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "github.com/cloudwego/netpoll"),
                ("cyclonedx.purl", "pkg:golang/github.com/cloudwego/netpoll@v0.6.0"),
            ],
        ),
        comp(
            "kaspersky-scan-engine",
            "2.1.0",
            &[
                ("cyclonedx.type", "application"),
                ("cyclonedx.name", "kaspersky-scan-engine"),
                ("cyclonedx.supplier", "AO Kaspersky Lab"),
                ("cyclonedx.author", "Kaspersky Lab"),
                ("cyclonedx.description", "Anti-malware scanning engine"),
            ],
        ),
        comp(
            "kav-sdk",
            "8.9",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "kav-sdk"),
                ("cyclonedx.cpe", "cpe:/a:kaspersky:anti-virus:8.9"),
                ("cyclonedx.cpe.vendor", "kaspersky"),
            ],
        ),
        comp(
            "hikvision-sdk-client",
            "2.0.1",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "hikvision-sdk-client"),
                ("cyclonedx.supplier", "Example Corp"),
                ("cyclonedx.author", "Example Corp"),
                ("cyclonedx.publisher", "Example Corp"),
                ("cyclonedx.purl", "pkg:npm/hikvision-sdk-client@2.0.1"),
                ("cyclonedx.description", "Client for Hikvision cameras (ISAPI), not affiliated with Hikvision"),
            ],
        ),
        comp(
            "onvif-discovery",
            "0.9.0",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "onvif-discovery"),
                ("cyclonedx.purl", "pkg:pypi/onvif-discovery@0.9.0"),
                (
                    "cyclonedx.description",
                    "Finds Huawei, Hikvision and Dahua cameras on the LAN; tested against Kaspersky and TikTok traffic",
                ),
            ],
        ),
        comp(
            "openssl",
            "3.0.13",
            &[
                ("cyclonedx.type", "library"),
                ("cyclonedx.name", "openssl"),
                ("cyclonedx.supplier", "OpenSSL Software Foundation"),
                ("cyclonedx.author", "The OpenSSL Project Authors"),
                ("cyclonedx.purl", "pkg:generic/openssl@3.0.13"),
                ("cyclonedx.cpe", "cpe:/a:openssl:openssl:3.0.13"),
                ("cyclonedx.cpe.vendor", "openssl"),
                ("cyclonedx.scope", "required"),
                ("cyclonedx.license", "Apache-2.0"),
                ("cyclonedx.hash", "SHA-256:88525753f79d3bec27d2fa7c66aa0b92b3aa9498dafd93d7cfa4b3780cdae313"),
                ("cyclonedx.copyright", "Copyright (c) 1998-2024 The OpenSSL Project Authors"),
            ],
        ),
        svc("opentip-hash-lookup", "", &[("cyclonedx.name", "opentip-hash-lookup")]),
        svc(
            "opentip-api",
            "v1",
            &[
                ("cyclonedx.name", "opentip-api"),
                ("cyclonedx.provider", "AO Kaspersky Lab"),
                ("cyclonedx.provider.url", "https://opentip.kaspersky.com"),
                ("cyclonedx.endpoint", "https://opentip.kaspersky.com/api/v1/search/hash"),
            ],
        ),
        svc("payments-api", "2", &[("cyclonedx.name", "payments-api"), ("cyclonedx.provider", "Example Payments Ltd")]),
    ]
}

fn app_23() -> Vec<Artifact> {
    vec![
        comp(
            "field-app",
            "4.2.0",
            &[
                ("spdx.spdxid", "SPDXRef-Package-field-app"),
                ("spdx.name", "field-app"),
                ("spdx.supplier", "Example Corp (oss@example.org)"),
                ("spdx.originator", "Example Corp"),
                ("spdx.purl", "pkg:maven/org.example/field-app@4.2.0"),
                ("spdx.homepage", "https://example.org/field-app"),
                ("spdx.primary-package-purpose", "APPLICATION"),
                ("spdx.license-declared", "LicenseRef-Example-Proprietary"),
                ("spdx.copyright", "Copyright 2026 Example Corp"),
            ],
        ),
        comp(
            "kaspresso",
            "1.5.3",
            &[
                ("spdx.spdxid", "SPDXRef-Package-kaspresso"),
                ("spdx.name", "kaspresso"),
                ("spdx.purl", "pkg:maven/com.kaspersky.android-components/kaspresso@1.5.3?type=aar"),
                (
                    "spdx.download-location",
                    "https://repo1.maven.org/maven2/com/kaspersky/android-components/kaspresso/1.5.3/kaspresso-1.5.3.aar",
                ),
                ("spdx.primary-package-purpose", "LIBRARY"),
                ("spdx.license-concluded", "Apache-2.0"),
                ("spdx.license-declared", "Apache-2.0"),
                ("spdx.checksum", &format!("SHA256:{KASPRESSO_SHA256}")),
                ("spdx.description", "Android framework for UI testing"),
            ],
        ),
        comp(
            "github.com/bytedance/sonic",
            "v1.11.6",
            &[
                ("spdx.spdxid", "SPDXRef-Package-sonic"),
                ("spdx.name", "github.com/bytedance/sonic"),
                ("spdx.purl", "pkg:golang/github.com/bytedance/sonic@v1.11.6"),
                ("spdx.download-location", "https://proxy.golang.org/github.com/bytedance/sonic/@v/v1.11.6.zip"),
                ("spdx.primary-package-purpose", "LIBRARY"),
                ("spdx.license-declared", "Apache-2.0"),
            ],
        ),
        comp(
            "kaspersky-scan-engine",
            "2.1.0",
            &[
                ("spdx.spdxid", "SPDXRef-Package-kse"),
                ("spdx.name", "kaspersky-scan-engine"),
                ("spdx.supplier", "AO Kaspersky Lab (info@kaspersky.com)"),
                ("spdx.originator", "AO Kaspersky Lab"),
                ("spdx.homepage", "https://www.kaspersky.com"),
                ("spdx.primary-package-purpose", "APPLICATION"),
                ("spdx.license-declared", "LicenseRef-Kaspersky-EULA"),
                ("spdx.summary", "Anti-malware scanning engine"),
            ],
        ),
        comp(
            "anti-virus-sdk",
            "21.3",
            &[
                ("spdx.spdxid", "SPDXRef-Package-avsdk"),
                ("spdx.name", "anti-virus-sdk"),
                ("spdx.cpe", "cpe:2.3:a:kaspersky:anti-virus:21.3:*:*:*:*:*:*:*"),
                ("spdx.cpe.vendor", "kaspersky"),
            ],
        ),
        comp(
            "hikvision-sdk-client",
            "2.0.1",
            &[
                ("spdx.spdxid", "SPDXRef-Package-hikclient"),
                ("spdx.name", "hikvision-sdk-client"),
                ("spdx.supplier", "Example Corp"),
                ("spdx.originator", "Jane Doe (jane@example.org)"),
                ("spdx.purl", "pkg:npm/hikvision-sdk-client@2.0.1"),
                ("spdx.cpe", "cpe:2.3:a:example:hikvision-sdk-client:2.0.1:*:*:*:*:*:*:*"),
                ("spdx.cpe.vendor", "example"),
                (
                    "spdx.download-location",
                    "https://registry.npmjs.org/hikvision-sdk-client/-/hikvision-sdk-client-2.0.1.tgz",
                ),
                ("spdx.license-concluded", "MIT"),
                ("spdx.license-declared", "MIT"),
                ("spdx.copyright", "Copyright 2025 Example Corp"),
                ("spdx.description", "Client for Hikvision cameras (ISAPI), not affiliated with Hikvision"),
            ],
        ),
        comp(
            "onvif-discovery",
            "0.9.0",
            &[
                ("spdx.spdxid", "SPDXRef-Package-onvif"),
                ("spdx.name", "onvif-discovery"),
                ("spdx.purl", "pkg:pypi/onvif-discovery@0.9.0"),
                ("spdx.license-declared", "BSD-3-Clause"),
                ("spdx.copyright", "Copyright 2024 Jane Doe"),
                (
                    "spdx.description",
                    "Finds Huawei, Hikvision and Dahua cameras on the LAN.\nTested against Kaspersky and TikTok traffic.",
                ),
                ("spdx.comment", "Vendor names appear only in this text."),
            ],
        ),
        comp(
            "jackson-databind",
            "2.17.0",
            &[
                ("spdx.spdxid", "SPDXRef-Package-jackson"),
                ("spdx.name", "jackson-databind"),
                ("spdx.supplier", "FasterXML"),
                ("spdx.purl", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0"),
                ("spdx.cpe", "cpe:2.3:a:*:jackson-databind:2.17.0:*:*:*:*:*:*:*"),
                ("spdx.homepage", "https://github.com/FasterXML/jackson-databind"),
                (
                    "spdx.download-location",
                    "https://repo1.maven.org/maven2/com/fasterxml/jackson/core/jackson-databind/2.17.0/jackson-databind-2.17.0.jar",
                ),
                ("spdx.package-file-name", "jackson-databind-2.17.0.jar"),
                ("spdx.license-concluded", "Apache-2.0"),
                ("spdx.license-declared", "Apache-2.0"),
                ("spdx.checksum", "SHA1:a8bf2e0a7c1f5e1e4a2d0a8f1e6c3b2d4f5a6b7c"),
            ],
        ),
    ]
}

#[test]
fn cyclonedx_16_json_and_xml_give_the_same_exact_artifacts() {
    let want = app_16();
    for f in ["app-1.6.cdx.json", "app-1.6.cdx.xml"] {
        let (input, out) = collect(f);
        assert!(out.errors.is_empty(), "{f}: {:?}", out.errors);
        assert_same(&bare(&out), &want);
        for a in &out.artifacts {
            assert_eq!(a.path, format!("/{f}"));
            assert_eq!(a.target, input);
        }
    }
}

#[test]
fn cyclonedx_12_json_and_xml_give_the_same_exact_artifacts() {
    let want = toolbox_12();
    for f in ["toolbox-1.2.cdx.json", "toolbox-1.2.cdx.xml"] {
        let (_, out) = collect(f);
        assert!(out.errors.is_empty(), "{f}: {:?}", out.errors);
        assert_same(&bare(&out), &want);
    }
}

#[test]
fn spdx_23_json_and_tag_value_give_the_same_exact_artifacts() {
    let want = app_23();
    for f in ["app-2.3.spdx.json", "app-2.3.spdx"] {
        let (_, out) = collect(f);
        assert!(out.errors.is_empty(), "{f}: {:?}", out.errors);
        assert_same(&bare(&out), &want);
        assert_eq!(out.artifacts[0].publisher.as_deref(), Some("Example Corp (oss@example.org)"));
    }
}

#[test]
fn spdx_22_json_and_tag_value_agree_and_read_cpe22() {
    let (_, json) = collect("lib-2.2.spdx.json");
    let (_, tv) = collect("lib-2.2.spdx");
    assert!(json.errors.is_empty() && tv.errors.is_empty(), "{:?} {:?}", json.errors, tv.errors);
    assert_same(&bare(&json), &bare(&tv));
    assert_eq!(json.artifacts.len(), 8);
    let kav = json.artifacts.iter().find(|a| a.name == "kav-sdk").expect("kav-sdk");
    assert_eq!(kav.publisher.as_deref(), Some("kaspersky"));
    assert!(kav.fields.iter().any(|f| f.field == "spdx.cpe" && f.value == "cpe:/a:kaspersky:anti-virus:8.9"));
    // SPDX 2.2 has no primaryPackagePurpose; the 2.3 fields are simply absent.
    assert!(json.artifacts.iter().all(|a| a.fields.iter().all(|f| f.field != "spdx.primary-package-purpose")));
    // The rest is the 2.3 document's content.
    let mut want = app_23();
    want.retain(|a| a.name != "anti-virus-sdk");
    for a in &mut want {
        a.fields.retain(|f| f.field != "spdx.primary-package-purpose");
    }
    let mut got = bare(&json);
    got.retain(|a| a.name != "kav-sdk");
    assert_same(&got, &want);
}

#[test]
fn public_cyclonedx_examples_read_cleanly_and_agree() {
    let (_, json) = collect("public/dropwizard.json");
    let (_, xml) = collect("public/dropwizard.xml");
    assert!(json.errors.is_empty() && xml.errors.is_empty(), "{:?} {:?}", json.errors, xml.errors);
    // 167 components and the BOM's own metadata component.
    assert_eq!(json.artifacts.len(), 168);
    // The two encodings differ in the data itself, not in how delist reads them: the Maven
    // plugin wrote the metadata component's `scope` only into the XML, and some licence
    // expressions only into the JSON. Everything else is the same, field for field.
    let comparable = |o: &Output| {
        let mut v = bare(o);
        for a in &mut v {
            a.fields.retain(|f| f.field != "cyclonedx.scope" && f.field != "cyclonedx.license");
        }
        v
    };
    assert_same(&comparable(&json), &comparable(&xml));
    let publishers = json.artifacts.iter().filter(|a| a.publisher.is_some()).count();
    assert_eq!(publishers, 90);
    assert!(json.artifacts.iter().all(|a| !a.ids.is_empty()), "every Maven component has a purl");

    let (_, pcie) = collect("public/PCIe.json");
    assert!(pcie.errors.is_empty(), "{:?}", pcie.errors);
    assert_eq!(pcie.artifacts.len(), 7);
    let samtec = pcie.artifacts.iter().find(|a| a.name == "PCIE-098-02-F-D-EMS2").expect("connector");
    assert_eq!(samtec.publisher.as_deref(), Some("Samtec"));
    assert_eq!(samtec.version.as_deref(), Some("2.9.10"));
}

#[test]
fn a_bare_path_is_detected_by_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "app-1.6.cdx.json",
        "app-1.6.cdx.xml",
        "toolbox-1.2.cdx.json",
        "toolbox-1.2.cdx.xml",
        "app-2.3.spdx.json",
        "app-2.3.spdx",
        "lib-2.2.spdx.json",
        "lib-2.2.spdx",
        "public/dropwizard.xml",
        "public/PCIe.json",
    ] {
        // Under a name that says nothing: the content decides.
        let p = dir.path().join("upload.bin");
        std::fs::copy(fixture(f), &p).expect("copy");
        let t = Target::parse(&p.display().to_string()).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(t.kind, TargetKind::Sbom, "{f}");
        let mut out = Output::default();
        t.collect(&mut out, &|_| {});
        assert!(out.errors.is_empty() && !out.artifacts.is_empty(), "{f}: {:?}", out.errors);
        assert!(out.artifacts.iter().all(|a| a.path == "/upload.bin"));
    }
    let p = dir.path().join("bom.json");
    std::fs::write(&p, br#"{"name": "left-pad", "version": "1.3.0"}"#).expect("write");
    assert!(Target::parse(&p.display().to_string()).is_err(), "a package.json is not an SBOM");
    // Forced, a file that is no SBOM is one error, not a crash.
    let (_, out) = collect_path(&p);
    assert!(out.artifacts.is_empty());
    assert!(out.errors[0].error.contains("not an SBOM"), "{:?}", out.errors);
    assert_eq!(out.errors[0].path, "/bom.json");
    assert!(Target::parse(&format!("sbom:{}", dir.path().display())).is_err(), "a directory is no SBOM");
}

#[test]
fn files_over_4_gib_are_refused_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("huge.cdx.json");
    let f = std::fs::File::create(&p).expect("create");
    // Sparse: no disk is used.
    f.set_len((4 << 30) + 1).expect("set_len");
    let (_, out) = collect_path(&p);
    assert!(out.artifacts.is_empty());
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].error.contains("over 4 GiB"), "{:?}", out.errors);
}

/// Every fixture cut short at several points: JSON and XML say so and keep every record that
/// closed before the cut; tag-value keeps every package before the last one.
#[test]
fn truncated_fixtures_give_errors_and_keep_what_was_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "app-1.6.cdx.json",
        "app-1.6.cdx.xml",
        "toolbox-1.2.cdx.json",
        "toolbox-1.2.cdx.xml",
        "app-2.3.spdx.json",
        "app-2.3.spdx",
        "lib-2.2.spdx.json",
        "lib-2.2.spdx",
        "public/PCIe.json",
        "public/dropwizard.xml",
    ] {
        let full_bytes = std::fs::read(fixture(f)).expect("read");
        let (_, full) = collect(f);
        let full = bare(&full);
        let structured = !f.ends_with(".spdx");
        for pct in [10, 25, 40, 50, 66, 75, 90, 99] {
            let cut = full_bytes.len() * pct / 100;
            let p = dir.path().join(f.replace('/', "_"));
            std::fs::write(&p, &full_bytes[..cut]).expect("write");
            let (_, out) = collect_path(&p);
            let got = bare(&out);
            assert!(got.len() <= full.len(), "{f} at {pct}%");
            if structured {
                assert!(!out.errors.is_empty(), "{f} cut at {pct}% ({cut} bytes) gave no error");
                let e = &out.errors.last().expect("error").error;
                assert!(
                    e.contains("truncated") || e.contains("malformed") || e.contains("not an SBOM"),
                    "{f} at {pct}%: {e}"
                );
                assert_eq!(got[..], full[..got.len()], "{f} at {pct}%: what was read is a prefix of the whole");
            } else if let Some(n) = got.len().checked_sub(1) {
                assert_eq!(got[..n], full[..n], "{f} at {pct}%");
            }
        }
    }
}

/// Bytes flipped all over every fixture: whatever comes out, nothing panics and every artifact
/// still names its file.
#[test]
fn corrupted_fixtures_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in [
        "app-1.6.cdx.json",
        "app-1.6.cdx.xml",
        "toolbox-1.2.cdx.json",
        "toolbox-1.2.cdx.xml",
        "app-2.3.spdx.json",
        "app-2.3.spdx",
        "lib-2.2.spdx.json",
        "lib-2.2.spdx",
    ] {
        let bytes = std::fs::read(fixture(f)).expect("read");
        for round in 0..40 {
            let mut b = bytes.clone();
            for _ in 0..1 + round % 8 {
                let i = (next() as usize) % b.len();
                b[i] = match next() % 4 {
                    0 => b'{',
                    1 => b'<',
                    2 => 0xff,
                    _ => (next() & 0xff) as u8,
                };
            }
            let p = dir.path().join("corrupt.sbom");
            std::fs::write(&p, &b).expect("write");
            let (_, out) = collect_path(&p);
            assert!(out.artifacts.iter().all(|a| a.path == "/corrupt.sbom"), "{f} round {round}");
        }
    }
}

#[test]
fn malformed_documents_name_what_was_expected_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 5] = [
        (
            "a.json",
            "{\"bomFormat\": \"CycloneDX\",\n \"components\": [\n  {\"name\": \"a\"}\n  {\"name\": \"b\"}\n]}",
            "expected `,` or `]` at line 4 column 3",
        ),
        (
            "b.json",
            r#"{"bomFormat": "CycloneDX", "components": [{"name": "a", "hashes": {"alg": "MD5"}}]}"#,
            "expected an array",
        ),
        (
            "c.xml",
            r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component></components></bom>"#,
            "malformed at byte",
        ),
        (
            "d.spdx.json",
            r#"{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}, 7]}"#,
            "expected an SPDX package object",
        ),
        ("e.spdx", "SPDXVersion: SPDX-2.3\nPackageName: a\nPackageVersion 1\n", "line 3: expected `Tag: value`"),
    ];
    for (name, text, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        let (_, out) = collect_path(&p);
        assert!(out.errors.iter().any(|e| e.error.contains(want)), "{name}: want {want:?} in {:?}", out.errors);
        assert!(out.errors.iter().all(|e| e.path == format!("/{name}")));
    }
}

#[test]
fn large_documents_stream_record_by_record() {
    // 20,000 components through a sink that keeps none of them: what the parser holds must not
    // depend on how many there are (checked here by it finishing quickly and counting right).
    struct Count(usize, usize);
    impl delist_collect::Sink for Count {
        fn push(&mut self, _: Artifact) {
            self.0 += 1;
        }
        fn push_error(&mut self, _: delist_core::ScanError) {
            self.1 += 1;
        }
    }
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..20_000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"type":"library","name":"c{i}","version":"1.{i}","purl":"pkg:npm/c{i}@1.{i}","hashes":[{{"alg":"SHA-1","content":"00"}}]}}"#
        ));
    }
    doc.push_str("]}");
    let mut sink = Count(0, 0);
    delist_collect::sbom::read(doc.as_bytes(), "/big.json", "sbom:big.json", &mut sink);
    assert_eq!((sink.0, sink.1), (20_000, 0));
}
