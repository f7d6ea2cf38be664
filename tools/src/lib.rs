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
//!   machine checked to be quiet before and during the measurement; [`noise`]: how much a
//!   recorded run time moves when measured again; [`remeasure`]: how well the recorded times
//!   rank whole pipelines' schedules against a new measurement.
//! - [`summary`]: what a dataset holds; [`refeaturize`]: a dataset's featurizations made again
//!   by the current plugin, its measurements kept.
//! - Training: [`training_set`] (datasets grouped by pipeline, the split, normalization),
//!   [`cost_net`] with [`gcn_net`] and [`baseline_net`] (the candle networks), [`train`] (loss,
//!   optimizer, early stopping), [`train_command`] (train both, export, parity).
//! - Evaluation: [`metrics`], [`evaluate`] (held-out scores, report), [`plot`].

pub mod baseline_net;
pub mod collect;
pub mod cost_net;
pub mod dataset;
pub mod evaluate;
pub mod gcn_net;
pub mod measure;
pub mod metrics;
pub mod noise;
pub mod outputs;
pub mod plot;
pub mod process;
pub mod quiet;
pub mod refeaturize;
pub mod remeasure;
pub mod summary;
pub mod timing;
pub mod toolchain;
pub mod train;
pub mod train_command;
pub mod training_set;
