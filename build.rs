//! Embeds the ISPDB-format provider files (src/server/detection/ispdb/*.xml) into the server,
//! as a table of (file name, contents), so automatic detection works without files beside the
//! binary.

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/detection/ispdb");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("the ISPDB folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let mut out = String::from("/// ISPDB-format provider files: (file name without `.xml`, contents).\npub static FILES: &[(&str, &str)] = &[\n");
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        out.push_str(&format!("    ({stem:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("ispdb.rs");
    fs::write(target, out).expect("write the ISPDB table");
}
