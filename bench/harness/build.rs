//! The harness links the plugin's library, which links libHalide: give the binaries the rpath the
//! plugin's build script found.
fn main() {
    if let Ok(dir) = std::env::var("DEP_HALIDE_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
