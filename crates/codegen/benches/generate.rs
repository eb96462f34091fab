//! Generation time of the largest real-world sets (target: ONVIF device management under 2 s),
//! split into loading (WSDL + schemas through the catalog) and the whole of `generate`.
//!
//! `cargo bench -p soapws-codegen --bench generate` (reads `shared/wsdl-corpus` beside the
//! workspace).

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use soapws_codegen::{generate, load::load, LoadOptions};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wsdl-corpus")
}

fn bench(c: &mut Criterion) {
    let root = corpus();
    let options = LoadOptions {
        catalogs: vec![root.join("onvif/catalog.xml")],
    };
    let mut group = c.benchmark_group("onvif");
    group.sample_size(10);
    for (name, rel) in [
        ("devicemgmt", "onvif/wsdl/ver10/device/wsdl/devicemgmt.wsdl"),
        ("media", "onvif/wsdl/ver10/media/wsdl/media.wsdl"),
    ] {
        let wsdl = root.join(rel);
        let lines = generate(&wsdl, &options)
            .expect("generates")
            .code
            .lines()
            .count();
        println!("{name}: {lines} lines of generated code");
        group.bench_function(format!("{name}/load"), |b| {
            b.iter(|| load(&wsdl, &options).expect("loads"))
        });
        group.bench_function(format!("{name}/generate"), |b| {
            b.iter(|| generate(&wsdl, &options).expect("generates"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
