//! halide-gcn-tools: what runs around the plugin rather than inside it.
//!
//! - [`toolchain`], [`process`], [`outputs`], [`timing`]: building generators and RunGen
//!   runners against the Halide wheel, running them (checked, or measured for time and memory),
//!   comparing outputs byte for byte, and timing them. Shared by the benchmark harness
//!   (bench/harness) and the collector.
//! - [`dataset`]: the training-data format (docs/dataset.md): crash-safe appends, reading,
//!   compression.
//! - [`collect`]: the collector (random pipelines or the bench pipelines, schedules sampled by
//!   the search, each checked and benchmarked).
//! - [`measure`], [`quiet`]: how a schedule's run time is measured for the dataset, on a
//!   machine checked to be quiet before and during the measurement.
//! - [`summary`]: what a dataset holds.

pub mod collect;
pub mod dataset;
pub mod measure;
pub mod outputs;
pub mod process;
pub mod quiet;
pub mod summary;
pub mod timing;
pub mod toolchain;
