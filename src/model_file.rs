//! Loading a cost model file (docs/model.md): the embedded default, a `model_path`, or bytes
//! handed over the C ABI. Loading validates everything the contract promises (ONNX that tract
//! reads, format version, metadata, feature names against this plugin's, input names and
//! widths, the `cost` output) and keeps the decluttered tract model with `B` and `N` symbolic.
//! Models are loaded once per process: the cache is keyed by the source (the embedded model,
//! a file's path with its size and modification time, or a hash of the bytes).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::error::{Error, Result};
use crate::features::SCHEDULE_FEATURE_NAMES;
use crate::normalization::Normalization;
use crate::onnx_writer::{
    ADJACENCY_INPUT, COST_OUTPUT, PIPELINE_INPUT, SCHEDULE_INPUT, STAGE_COST_OUTPUT,
};
use crate::pipeline_features::feature_names;

/// The default model, embedded in the plugin (`models/README.md` says how it was made).
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../models/gcn.onnx");

/// Where a model comes from.
#[derive(Debug, Clone)]
pub enum ModelSource {
    Embedded,
    File(PathBuf),
    Bytes(Vec<u8>),
}

impl ModelSource {
    /// How errors name the model.
    pub fn label(&self) -> String {
        match self {
            ModelSource::Embedded => "the embedded model (models/gcn.onnx)".into(),
            ModelSource::File(p) => format!("model file {}", p.display()),
            ModelSource::Bytes(b) => format!("model bytes ({} bytes)", b.len()),
        }
    }
}

/// A validated model, ready to be specialized per pipeline.
#[derive(Debug)]
pub struct LoadedModel {
    pub label: String,
    pub normalization: Normalization,
    pub description: String,
    /// Inputs in the order pipeline features, schedule features, adjacency; outputs `cost`
    /// then `stage_cost` when the file has it. `B` and `N` symbolic.
    pub typed: TypedModel,
    pub has_stage_cost: bool,
}

static CACHE: Lazy<Mutex<HashMap<String, Arc<LoadedModel>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

fn cache_key(source: &ModelSource) -> Result<String> {
    Ok(match source {
        ModelSource::Embedded => "embedded".into(),
        ModelSource::File(path) => {
            let meta = std::fs::metadata(path).map_err(|e| {
                Error::Model(format!(
                    "model_path: cannot read {}: {e} (model_path must name an ONNX file \
                     written for halide-gcn, see docs/model.md)",
                    path.display()
                ))
            })?;
            format!(
                "file:{}:{}:{:?}",
                path.display(),
                meta.len(),
                meta.modified().ok()
            )
        }
        ModelSource::Bytes(bytes) => {
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            format!("bytes:{}:{:x}", bytes.len(), h.finish())
        }
    })
}

/// The model from `source`, loaded and validated once per process.
pub fn load(source: &ModelSource) -> Result<Arc<LoadedModel>> {
    let key = cache_key(source)?;
    if let Some(hit) = CACHE.lock().map_err(|_| poisoned())?.get(&key) {
        return Ok(hit.clone());
    }
    let bytes: std::borrow::Cow<[u8]> = match source {
        ModelSource::Embedded => EMBEDDED_MODEL.into(),
        ModelSource::File(path) => std::fs::read(path)
            .map_err(|e| Error::Model(format!("{}: cannot read: {e}", source.label())))?
            .into(),
        ModelSource::Bytes(b) => b.as_slice().into(),
    };
    let model = Arc::new(load_bytes(&bytes, &source.label())?);
    CACHE
        .lock()
        .map_err(|_| poisoned())?
        .insert(key, model.clone());
    Ok(model)
}

fn poisoned() -> Error {
    Error::Internal("the model cache lock was poisoned by an earlier panic".into())
}

/// Declared last dimension of an input, if fixed.
fn declared_width(info: &pb::ValueInfoProto) -> Option<i64> {
    let pb::type_proto::Value::TensorType(t) = info.r#type.as_ref()?.value.as_ref()?;
    match t.shape.as_ref()?.dim.last()?.value.as_ref()? {
        pb::tensor_shape_proto::dimension::Value::DimValue(v) => Some(*v),
        _ => None,
    }
}

/// Parses and validates model bytes; `label` names the model in errors.
pub fn load_bytes(bytes: &[u8], label: &str) -> Result<LoadedModel> {
    let bad = |what: String| Error::Model(format!("{label}: {what}"));
    if bytes.is_empty() {
        return Err(bad("the file is empty, expected an ONNX model".into()));
    }
    let onnx = tract_onnx::onnx();
    let proto = onnx.proto_model_for_read(&mut &bytes[..]).map_err(|e| {
        bad(format!(
            "not a readable ONNX model ({e}); truncated or not ONNX?"
        ))
    })?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| bad("the ONNX model has no graph".into()))?;
    let metadata: Vec<(String, String)> = proto
        .metadata_props
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let normalization = Normalization::from_metadata(&metadata, label)?;
    let schedule_names: Vec<String> = SCHEDULE_FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .collect();
    normalization.check_names(&feature_names(), &schedule_names, label)?;
    let description = metadata
        .iter()
        .find(|(k, _)| k == crate::normalization::DESCRIPTION_KEY)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();

    // Inputs by name, with the widths the metadata promises.
    let expected = [
        (PIPELINE_INPUT, Some(normalization.pipeline.len())),
        (SCHEDULE_INPUT, Some(normalization.schedule.len())),
        (ADJACENCY_INPUT, None),
    ];
    let initializers: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&pb::ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !initializers.contains(&i.name.as_str()))
        .collect();
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    for (name, width) in expected {
        let Some(info) = inputs.iter().find(|i| i.name == name) else {
            return Err(bad(format!(
                "the model's inputs are {names:?}, expected {PIPELINE_INPUT}, {SCHEDULE_INPUT} \
                 and {ADJACENCY_INPUT} (docs/model.md)"
            )));
        };
        if let (Some(want), Some(got)) = (width, declared_width(info)) {
            if got != want as i64 {
                return Err(bad(format!(
                    "input '{name}' is {got} features wide, expected {want} (the metadata's \
                     feature names)"
                )));
            }
        }
    }
    if inputs.len() != expected.len() {
        return Err(bad(format!(
            "the model has inputs {names:?}, expected exactly {PIPELINE_INPUT}, {SCHEDULE_INPUT} \
             and {ADJACENCY_INPUT}"
        )));
    }
    let outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    if !outputs.contains(&COST_OUTPUT) {
        return Err(bad(format!(
            "the model's outputs are {outputs:?}, expected '{COST_OUTPUT}' (and optionally \
             '{STAGE_COST_OUTPUT}')"
        )));
    }
    let has_stage_cost = outputs.contains(&STAGE_COST_OUTPUT);

    // tract lists the graph's inputs (initializers aside) and outputs in file order.
    let position = |list: &[&str], name: &str| list.iter().position(|n| *n == name);
    let input_order = [
        position(&names, PIPELINE_INPUT),
        position(&names, SCHEDULE_INPUT),
        position(&names, ADJACENCY_INPUT),
    ]
    .map(|p| p.expect("checked above"));
    let mut output_order = vec![position(&outputs, COST_OUTPUT).expect("checked above")];
    output_order.extend(position(&outputs, STAGE_COST_OUTPUT));
    let typed = to_typed(&onnx, &proto, &normalization, &input_order, &output_order)
        .map_err(|e| bad(format!("tract cannot prepare the model: {e:#}")))?;
    Ok(LoadedModel {
        label: label.to_string(),
        normalization,
        description,
        typed,
        has_stage_cost,
    })
}

/// The tract model with inputs in contract order (`input_order[k]`: the file's position of the
/// contract's k-th input), outputs `cost` then `stage_cost`, symbolic `B` and `N`, fixed widths.
fn to_typed(
    onnx: &tract_onnx::Onnx,
    proto: &pb::ModelProto,
    normalization: &Normalization,
    input_order: &[usize; 3],
    output_order: &[usize],
) -> TractResult<TypedModel> {
    let mut model = onnx.model_for_proto_model(proto)?;
    let n = model.symbols.sym("N");
    let b = model.symbols.sym("B");
    let p = normalization.pipeline.len();
    let s = normalization.schedule.len();
    let facts = [
        f32::fact([n.to_dim(), p.to_dim()]),
        f32::fact([b.to_dim(), n.to_dim(), s.to_dim()]),
        f32::fact([n.to_dim(), n.to_dim()]),
    ];
    let file_inputs = model.inputs.clone();
    let file_outputs = model.outputs.clone();
    model.inputs = input_order.iter().map(|&k| file_inputs[k]).collect();
    for (k, fact) in facts.into_iter().enumerate() {
        model.set_input_fact(k, fact.into())?;
    }
    model.outputs = output_order.iter().map(|&k| file_outputs[k]).collect();
    model.into_typed()?.into_decluttered()
}

/// The file a `model_path` names, checked for existence early (a clearer error than tract's).
pub fn file_source(path: &str) -> Result<ModelSource> {
    let p = Path::new(path);
    if !p.is_file() {
        return Err(Error::Model(format!(
            "model_path={path}: no such file (model_path must name an ONNX model written for \
             halide-gcn, see docs/model.md)"
        )));
    }
    Ok(ModelSource::File(p.to_path_buf()))
}
