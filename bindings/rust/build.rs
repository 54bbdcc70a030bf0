//! Tells rustc where libemopiano is: $EMOPIANO_LIB_DIR, else the source
//! tree's build folders, else the usual system prefixes (no pkg-config).
use std::env;
use std::path::{Path, PathBuf};

fn has_library(dir: &Path) -> bool {
    dir.join("libemopiano.so").exists() || dir.join("libemopiano.dylib").exists()
}

fn main() {
    println!("cargo:rerun-if-env-changed=EMOPIANO_LIB_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-lib=dylib=emopiano");

    let dirs: Vec<PathBuf> = match env::var_os("EMOPIANO_LIB_DIR") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => {
            let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
            let root = manifest.join("../..");
            let mut found: Vec<PathBuf> = ["build", "build-release"]
                .iter()
                .map(|b| root.join(b))
                .chain(
                    [
                        "/usr/local/lib",
                        "/usr/local/lib64",
                        "/usr/lib/x86_64-linux-gnu",
                        "/usr/lib",
                    ]
                    .iter()
                    .map(PathBuf::from),
                )
                .filter(|d| has_library(d))
                .collect();
            found.truncate(1);
            found
        }
    };
    if dirs.is_empty() {
        println!(
            "cargo:warning=libemopiano not found; set EMOPIANO_LIB_DIR to the folder holding libemopiano.so"
        );
    }
    for dir in dirs {
        println!("cargo:rustc-link-search=native={}", dir.display());
        // The crate's own tests and examples find the library without LD_LIBRARY_PATH.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
        println!("cargo:lib_dir={}", dir.display());
    }
}
