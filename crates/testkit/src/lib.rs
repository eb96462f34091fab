//! Test support shared by the soapws crates: compiling the C# programs of `tests/interop/` with
//! Mono's `mcs`, against the real WCF and binary XML assemblies Mono ships, and documents the
//! suites of more than one crate build.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The [MC-NBFS] dictionary file of `shared/specs` (the interop harnesses load it); panics when
/// `shared/` is not beside the repository.
pub fn dictionary_tsv() -> PathBuf {
    let p = repo_root().join("../shared/specs/nbfs-dictionary.tsv");
    assert!(
        p.is_file(),
        "missing {} (shared/ must sit beside the repository)",
        p.display()
    );
    p
}

/// Panics with the install command when `mono` or `mcs` is missing: the interop tests fail,
/// they never skip.
pub fn require_mono() {
    for tool in ["mono", "mcs"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "`{tool}` not found: these tests need Mono \
             (apt-get install -y mono-devel libmono-system-servicemodel4.0a-cil)"
        );
    }
}

/// Compiles `sources` (paths under `tests/interop/`) against WCF into `<out_dir>/<name>.exe`;
/// panics with a clear message when Mono is missing or the code does not compile.
pub fn compile_interop(out_dir: &Path, name: &str, sources: &[&str]) -> PathBuf {
    require_mono();
    std::fs::create_dir_all(out_dir).expect("create the output directory");
    let out = out_dir.join(format!("{name}.exe"));
    let interop = repo_root().join("tests/interop");
    let compiled = Command::new("mcs")
        .args([
            "-optimize+",
            "-nologo",
            "-r:System.ServiceModel.dll",
            "-r:System.Runtime.Serialization.dll",
            "-r:System.Xml.dll",
        ])
        .arg(format!("-out:{}", out.display()))
        .args(sources.iter().map(|s| interop.join(s)))
        .output()
        .expect("run mcs");
    assert!(
        compiled.status.success(),
        "mcs failed to compile {name}:\n{}{}",
        String::from_utf8_lossy(&compiled.stdout),
        String::from_utf8_lossy(&compiled.stderr)
    );
    out
}

/// A plain [MC-NBFX] document `<r>…<{name}/>…</r>`: the one-letter root holding the records
/// `first`, then an empty element per name, each name written inline (ShortElement).
pub fn nbfx_named_children(first: &[u8], names: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut doc = vec![0x40, 0x01, b'r'];
    doc.extend(first);
    for name in names {
        doc.extend([0x40, name.len() as u8]);
        doc.extend(name.as_bytes());
        doc.push(0x01);
    }
    doc.push(0x01);
    doc
}
