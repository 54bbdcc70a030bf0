//! The binding's build script reports where it found libemopiano
//! (`links = "emopiano"` metadata); run the program from there without
//! LD_LIBRARY_PATH.
fn main() {
    if let Ok(dir) = std::env::var("DEP_EMOPIANO_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
