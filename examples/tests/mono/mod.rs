//! Compiling the C# interop programs (`tests/interop/`) with Mono's `mcs`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C# sources `files` under `tests/interop/`.
pub fn interop_sources(files: &[&str]) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop");
    files.iter().map(|f| dir.join(f)).collect()
}

/// Compiles `sources` against WCF into `<tmp>/<name>.exe`; panics with a clear message when Mono
/// is missing (the tests never skip) or the code does not compile.
pub fn compile(name: &str, sources: &[PathBuf]) -> PathBuf {
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
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("create the output directory");
    let out = dir.join(format!("{name}.exe"));
    let compiled = Command::new("mcs")
        .args([
            "-optimize+",
            "-nologo",
            "-r:System.ServiceModel.dll",
            "-r:System.Runtime.Serialization.dll",
            "-r:System.Xml.dll",
        ])
        .arg(format!("-out:{}", out.display()))
        .args(sources)
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
