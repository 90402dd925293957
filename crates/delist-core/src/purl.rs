//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`), as SBOMs and
//! inventories write them: parsed once into parts, never compared as strings.
//!
//! Only what attribution needs: type, namespace segments, name, version; percent-decoding of
//! each part. A string that is not a purl gives `None`, never a panic.

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// Lower-cased type (`maven`, `npm`, `golang`, `deb`, …).
    pub ty: String,
    /// Namespace segments, decoded (`["com.kaspersky.android-components"]`, `["@kaspersky"]`,
    /// `["github.com", "bytedance"]`).
    pub namespace: Vec<String>,
    pub name: String,
    pub version: Option<String>,
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Purl {
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.trim().strip_prefix("pkg:")?;
        let rest = rest.trim_start_matches('/');
        let rest = rest.split('#').next().unwrap_or("");
        let rest = rest.split('?').next().unwrap_or("");
        let (path, version) = match rest.rsplit_once('@') {
            // An '@' inside the path is an npm scope (`%40` should be used, but SBOMs write it
            // raw); a version never contains '/'.
            Some((p, v)) if !v.contains('/') && !p.is_empty() && !p.ends_with('/') => (p, Some(decode(v))),
            _ => (rest, None),
        };
        let mut parts = path.split('/').filter(|p| !p.is_empty());
        let ty = parts.next()?.to_ascii_lowercase();
        let mut segs: Vec<String> = parts.map(decode).collect();
        let name = segs.pop()?;
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self { ty, namespace: segs, name, version: version.filter(|v| !v.is_empty()) })
    }

    /// The catalog ecosystem of this purl's type, where the catalog knows one.
    pub fn ecosystem(&self) -> Option<&'static str> {
        Some(match self.ty.as_str() {
            "deb" => "deb",
            "rpm" => "rpm",
            "apk" => "apk",
            "alpm" => "pacman",
            "npm" => "npm",
            "pypi" => "pypi",
            "maven" => "maven",
            "nuget" => "nuget",
            "golang" => "go",
            "cargo" => "cargo",
            "gem" => "gem",
            "composer" => "composer",
            "snap" => "snap",
            "flatpak" => "flatpak",
            "brew" | "homebrew" => "brew",
            _ => return None,
        })
    }

    /// The package name as its ecosystem writes it: `group:artifact` for Maven,
    /// `@scope/name` for npm, the module path for Go, the plain name elsewhere.
    pub fn package_name(&self) -> String {
        match self.ty.as_str() {
            "maven" if !self.namespace.is_empty() => {
                format!("{}:{}", self.namespace.join("."), self.name)
            }
            "npm" | "golang" | "composer" if !self.namespace.is_empty() => {
                format!("{}/{}", self.namespace.join("/"), self.name)
            }
            _ => self.name.clone(),
        }
    }

    /// `pkg:type/ns1/ns2/name` without version, qualifiers or subpath, decoded and lower-cased
    /// in its type: the form namespace identifiers are compared with.
    pub fn base(&self) -> String {
        let mut s = format!("pkg:{}", self.ty);
        for seg in self.namespace.iter().chain(std::iter::once(&self.name)) {
            s.push('/');
            s.push_str(seg);
        }
        s
    }

    /// Whether this purl lies under a namespace prefix such as `pkg:golang/github.com/bytedance`
    /// (on segment boundaries: `github.com/bytedancex` is not under it).
    pub fn under(&self, prefix: &str) -> bool {
        let Some(p) = Purl::parse(&format!("{}/x", prefix.trim_end_matches('/'))) else {
            return false;
        };
        let want: Vec<String> = p.namespace.iter().map(|s| s.to_lowercase()).collect();
        let ours: Vec<String> =
            self.namespace.iter().chain(std::iter::once(&self.name)).map(|s| s.to_lowercase()).collect();
        p.ty == self.ty && ours.len() > want.len() && ours[..want.len()] == want[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_purls() {
        let p = Purl::parse("pkg:maven/com.kaspersky.android-components/kaspresso@1.5.3?type=aar").expect("purl");
        assert_eq!(p.ty, "maven");
        assert_eq!(p.package_name(), "com.kaspersky.android-components:kaspresso");
        assert_eq!(p.version.as_deref(), Some("1.5.3"));
        let n = Purl::parse("pkg:npm/%40kaspersky/hexa-ui@7.0.0").expect("purl");
        assert_eq!(n.package_name(), "@kaspersky/hexa-ui");
        let raw = Purl::parse("pkg:npm/@kaspersky/hexa-ui@7.0.0").expect("purl");
        assert_eq!(raw, n);
        let g = Purl::parse("pkg:golang/github.com/bytedance/sonic@v1.11.0").expect("purl");
        assert_eq!(g.package_name(), "github.com/bytedance/sonic");
        assert_eq!(g.ecosystem(), Some("go"));
        assert_eq!(Purl::parse("pkg:deb/debian/kesl@12.0?arch=amd64").expect("purl").package_name(), "kesl");
    }

    #[test]
    fn namespaces_match_on_segment_boundaries() {
        let g = Purl::parse("pkg:golang/github.com/bytedance/sonic@v1").expect("purl");
        assert!(g.under("pkg:golang/github.com/bytedance"));
        assert!(!g.under("pkg:golang/github.com/byte"));
        assert!(!g.under("pkg:npm/github.com/bytedance"));
        let x = Purl::parse("pkg:golang/github.com/bytedancex/y").expect("purl");
        assert!(!x.under("pkg:golang/github.com/bytedance"));
        let m = Purl::parse("pkg:maven/com.kaspersky.android-components/kaspresso").expect("purl");
        assert!(m.under("pkg:maven/com.kaspersky.android-components"));
    }

    #[test]
    fn junk_is_not_a_purl() {
        for s in ["", "pkg:", "pkg:/", "pkg:npm", "pkg:npm/", "http://x", "pkg:%%%/%", "pkg:a/b@", "pkg:@/@"] {
            let _ = Purl::parse(s);
        }
        assert!(Purl::parse("kesl").is_none());
        assert!(Purl::parse("pkg:npm/").is_none());
    }
}
