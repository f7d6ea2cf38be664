//! Writes our GCN (docs/model.md, "Our architecture") as an ONNX file, with tract-onnx's
//! protobuf types: the weights become initializers, the normalization and feature names
//! metadata. `B` and `N` stay symbolic so one file serves every pipeline and batch size.

use prost::Message;
use tract_onnx::pb;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::tensor_shape_proto::{dimension, Dimension};

use crate::gcn_weights::{GcnWeights, HEAD_LOG_CEILING};
use crate::normalization::{Normalization, DESCRIPTION_KEY};

/// ONNX operator set the graph is written against (ReduceSum takes its axes as an input).
const OPSET: i64 = 13;
/// ONNX IR version matching opset 13.
const IR_VERSION: i64 = 7;

/// Names of the graph's inputs and outputs (the contract).
pub const PIPELINE_INPUT: &str = "pipeline_features";
pub const SCHEDULE_INPUT: &str = "schedule_features";
pub const ADJACENCY_INPUT: &str = "adjacency";
pub const COST_OUTPUT: &str = "cost";
pub const STAGE_COST_OUTPUT: &str = "stage_cost";

/// Accumulates nodes and initializers.
struct GraphBuilder {
    nodes: Vec<pb::NodeProto>,
    initializers: Vec<pb::TensorProto>,
}

impl GraphBuilder {
    fn node(&mut self, op: &str, inputs: &[&str], output: &str) -> String {
        self.nodes.push(pb::NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.to_string()],
            name: output.to_string(),
            op_type: op.to_string(),
            ..Default::default()
        });
        output.to_string()
    }

    fn node_with(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attribute: pb::AttributeProto,
    ) {
        self.node(op, inputs, output);
        self.nodes
            .last_mut()
            .expect("just pushed")
            .attribute
            .push(attribute);
    }

    fn floats(&mut self, name: &str, dims: &[usize], values: Vec<f32>) -> String {
        self.initializers.push(pb::TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Float as i32,
            float_data: values,
            name: name.to_string(),
            ..Default::default()
        });
        name.to_string()
    }

    fn int64s(&mut self, name: &str, values: &[i64]) -> String {
        self.initializers.push(pb::TensorProto {
            dims: vec![values.len() as i64],
            data_type: DataType::Int64 as i32,
            int64_data: values.to_vec(),
            name: name.to_string(),
            ..Default::default()
        });
        name.to_string()
    }

    /// `x · weight + bias` with the named initializers.
    fn dense(&mut self, x: &str, weight: &str, bias: &str, out: &str) -> String {
        let product = self.node("MatMul", &[x, weight], &format!("{out}.matmul"));
        self.node("Add", &[&product, bias], out)
    }
}

fn int_attribute(name: &str, value: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.to_string(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i: value,
        ..Default::default()
    }
}

fn ints_attribute(name: &str, values: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.to_string(),
        r#type: pb::attribute_proto::AttributeType::Ints as i32,
        ints: values.to_vec(),
        ..Default::default()
    }
}

/// An f32 tensor value description with symbolic (`Err(name)`) or fixed (`Ok(n)`) dims.
fn value_info(name: &str, dims: &[Result<usize, &str>]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            denotation: String::new(),
            value: Some(match d {
                Ok(n) => dimension::Value::DimValue(*n as i64),
                Err(param) => dimension::Value::DimParam(param.to_string()),
            }),
        })
        .collect();
    pb::ValueInfoProto {
        name: name.to_string(),
        r#type: Some(pb::TypeProto {
            denotation: String::new(),
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: DataType::Float as i32,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
        }),
        ..Default::default()
    }
}

/// The model as a protobuf message (tests edit it to make broken files).
pub fn model_proto(
    weights: &GcnWeights,
    normalization: &Normalization,
    description: &str,
) -> pb::ModelProto {
    let mut g = GraphBuilder {
        nodes: Vec::new(),
        initializers: Vec::new(),
    };
    for (name, tensor) in weights.named_tensors() {
        let dims = [tensor.nrows(), tensor.ncols()];
        // Biases are stored as vectors (they broadcast over rows).
        let dims: &[usize] = if name.ends_with(".bias") {
            &dims[1..]
        } else {
            &dims
        };
        g.floats(&name, dims, tensor.iter().copied().collect());
    }
    g.floats("output_scale", &[], vec![weights.output_scale]);
    g.floats("one", &[], vec![1.0]);
    g.floats("head_log_ceiling", &[], vec![HEAD_LOG_CEILING]);
    let axis0 = g.int64s("axis1", &[1]);
    let axis2 = g.int64s("axis2", &[2]);

    // Encoders: hp [N, H], hs [B, N, H], h = hs + hp.
    let hp = g.dense(
        PIPELINE_INPUT,
        "pipeline_encoder.weight",
        "pipeline_encoder.bias",
        "hp.pre",
    );
    let hp = g.node("Relu", &[&hp], "hp");
    let hs = g.dense(
        SCHEDULE_INPUT,
        "schedule_encoder.weight",
        "schedule_encoder.bias",
        "hs.pre",
    );
    let hs = g.node("Relu", &[&hs], "hs");
    let mut h = g.node("Add", &[&hs, &hp], "h0");

    // Message matrices from the adjacency.
    let transposed = "adjacency.t";
    g.node_with(
        "Transpose",
        &[ADJACENCY_INPUT],
        transposed,
        ints_attribute("perm", &[1, 0]),
    );
    let reduce_rows = |g: &mut GraphBuilder, x: &str, out: &str| {
        g.node_with("ReduceSum", &[x, &axis0], out, int_attribute("keepdims", 1));
    };
    reduce_rows(&mut g, transposed, "in_degree.raw");
    let in_degree = g.node("Max", &["in_degree.raw", "one"], "in_degree");
    let m_in = g.node("Div", &[transposed, &in_degree], "m_in");
    reduce_rows(&mut g, ADJACENCY_INPUT, "out_degree.raw");
    let out_degree = g.node("Max", &["out_degree.raw", "one"], "out_degree");
    let m_out = g.node("Div", &[ADJACENCY_INPUT, &out_degree], "m_out");

    for l in 0..weights.layers.len() {
        let own = g.dense(
            &h,
            &format!("layer{l}.self.weight"),
            &format!("layer{l}.self.bias"),
            &format!("layer{l}.own"),
        );
        let gathered_in = g.node("MatMul", &[&m_in, &h], &format!("layer{l}.gathered_in"));
        let from_producers = g.node(
            "MatMul",
            &[&gathered_in, &format!("layer{l}.from_producers")],
            &format!("layer{l}.producers"),
        );
        let gathered_out = g.node("MatMul", &[&m_out, &h], &format!("layer{l}.gathered_out"));
        let from_consumers = g.node(
            "MatMul",
            &[&gathered_out, &format!("layer{l}.from_consumers")],
            &format!("layer{l}.consumers"),
        );
        let sum = g.node("Add", &[&own, &from_producers], &format!("layer{l}.sum1"));
        let sum = g.node("Add", &[&sum, &from_consumers], &format!("layer{l}.sum2"));
        let update = g.node("Relu", &[&sum], &format!("layer{l}.update"));
        h = g.node("Add", &[&h, &update], &format!("h{}", l + 1));
    }

    // Head: each stage's log cost, capped (so that exp stays finite), exponentiated and
    // scaled to seconds, summed over the stages.
    let head = g.dense(&h, "head.weight", "head.bias", "head");
    // Where(z > ceiling, ceiling, z) rather than Min: a NaN must stay NaN (and be refused by
    // the evaluator), where Min would turn it into the ceiling.
    let over = g.node("Greater", &[&head, "head_log_ceiling"], "head.over");
    let capped = g.node("Where", &[&over, "head_log_ceiling", &head], "head.capped");
    let positive = g.node("Exp", &[&capped], "head.exp");
    let scaled = g.node("Mul", &[&positive, "output_scale"], "head.scaled");
    g.node_with(
        "ReduceSum",
        &[&scaled, &axis2],
        STAGE_COST_OUTPUT,
        int_attribute("keepdims", 0),
    );
    g.node_with(
        "ReduceSum",
        &[STAGE_COST_OUTPUT, &axis0],
        COST_OUTPUT,
        int_attribute("keepdims", 0),
    );

    let p = weights.shape.pipeline_features;
    let s = weights.shape.schedule_features;
    let graph = pb::GraphProto {
        node: g.nodes,
        name: "halide_gcn".into(),
        initializer: g.initializers,
        input: vec![
            value_info(PIPELINE_INPUT, &[Err("N"), Ok(p)]),
            value_info(SCHEDULE_INPUT, &[Err("B"), Err("N"), Ok(s)]),
            value_info(ADJACENCY_INPUT, &[Err("N"), Err("N")]),
        ],
        output: vec![
            value_info(COST_OUTPUT, &[Err("B")]),
            value_info(STAGE_COST_OUTPUT, &[Err("B"), Err("N")]),
        ],
        ..Default::default()
    };
    let mut metadata = normalization.to_metadata();
    metadata.push((DESCRIPTION_KEY.into(), description.into()));
    pb::ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "halide-gcn".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        graph: Some(graph),
        metadata_props: metadata
            .into_iter()
            .map(|(key, value)| pb::StringStringEntryProto { key, value })
            .collect(),
        ..Default::default()
    }
}

/// The model as ONNX file bytes.
pub fn write_model(
    weights: &GcnWeights,
    normalization: &Normalization,
    description: &str,
) -> Vec<u8> {
    model_proto(weights, normalization, description).encode_to_vec()
}

/// Encodes an (edited) model message.
pub fn encode(proto: &pb::ModelProto) -> Vec<u8> {
    proto.encode_to_vec()
}
