//! The public C ABI (include/halide_gcn.h): the cost model for any search. Every function
//! returns a status; the message of the last failure on the calling thread is available from
//! `hgcn_last_error`. No panic crosses: each body runs under `catch_unwind`.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::Error;
use crate::gcn_evaluator::GcnEvaluator;
use crate::model_file::{load, ModelSource};

/// `hgcn_status` values.
pub const HGCN_OK: i32 = 0;
pub const HGCN_ERROR: i32 = 1;
pub const HGCN_INVALID_ARGUMENT: i32 = 2;

/// The opaque `hgcn_model`.
pub struct HgcnModel {
    evaluator: GcnEvaluator,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

/// Runs `body`, turning errors and panics into a status and the thread's last error.
fn guarded(body: impl FnOnce() -> Result<(), (i32, String)>) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => HGCN_OK,
        Ok(Err((status, message))) => {
            set_error(&message);
            status
        }
        Err(panic) => {
            let what = crate::error::panic_message(panic.as_ref());
            set_error(&format!("internal error: {what} (please report this)"));
            HGCN_ERROR
        }
    }
}

fn invalid(what: &str) -> (i32, String) {
    (HGCN_INVALID_ARGUMENT, what.to_string())
}

fn failed(e: Error) -> (i32, String) {
    (HGCN_ERROR, e.to_string())
}

/// A model handle from a non-null pointer.
unsafe fn model_mut<'a>(model: *mut HgcnModel) -> Result<&'a mut HgcnModel, (i32, String)> {
    model
        .as_mut()
        .ok_or_else(|| invalid("the model handle is null"))
}

unsafe fn create(source: ModelSource, out: *mut *mut HgcnModel) -> Result<(), (i32, String)> {
    if out.is_null() {
        return Err(invalid("the output pointer is null"));
    }
    let model = load(&source).map_err(failed)?;
    *out = Box::into_raw(Box::new(HgcnModel {
        evaluator: GcnEvaluator::new(model),
    }));
    Ok(())
}

/// # Safety
/// `out` must be a valid pointer to a `hgcn_model *`.
#[no_mangle]
pub unsafe extern "C" fn hgcn_model_create_default(out: *mut *mut HgcnModel) -> i32 {
    guarded(|| create(ModelSource::Embedded, out))
}

/// # Safety
/// `path` must be a NUL-terminated string; `out` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn hgcn_model_create_from_file(
    path: *const c_char,
    out: *mut *mut HgcnModel,
) -> i32 {
    guarded(|| {
        if path.is_null() {
            return Err(invalid("the path is null"));
        }
        let path = CStr::from_ptr(path)
            .to_str()
            .map_err(|_| invalid("the path is not UTF-8"))?;
        let source = crate::model_file::file_source(path).map_err(failed)?;
        create(source, out)
    })
}

/// # Safety
/// `data` must point to `size` readable bytes; `out` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn hgcn_model_create_from_bytes(
    data: *const c_void,
    size: usize,
    out: *mut *mut HgcnModel,
) -> i32 {
    guarded(|| {
        if data.is_null() && size > 0 {
            return Err(invalid("the data pointer is null"));
        }
        let bytes = if size == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(data as *const u8, size).to_vec()
        };
        create(ModelSource::Bytes(bytes), out)
    })
}

/// # Safety
/// `model` must come from a `hgcn_model_create_*` call, or be null; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn hgcn_model_destroy(model: *mut HgcnModel) {
    if !model.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(model))));
    }
}

/// # Safety
/// `model` a live handle; the count pointers valid (either may be null).
#[no_mangle]
pub unsafe extern "C" fn hgcn_model_feature_counts(
    model: *mut HgcnModel,
    pipeline_features: *mut usize,
    schedule_features: *mut usize,
) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        let normalization = &m.evaluator.model().normalization;
        if let Some(p) = pipeline_features.as_mut() {
            *p = normalization.pipeline.len();
        }
        if let Some(s) = schedule_features.as_mut() {
            *s = normalization.schedule.len();
        }
        Ok(())
    })
}

/// # Safety
/// `adjacency` must hold `num_stages²` floats and `pipeline_features` `num_stages × P`.
#[no_mangle]
pub unsafe extern "C" fn hgcn_set_pipeline(
    model: *mut HgcnModel,
    num_stages: usize,
    adjacency: *const f32,
    pipeline_features: *const f32,
) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        if adjacency.is_null() || pipeline_features.is_null() {
            return Err(invalid("adjacency and pipeline_features must not be null"));
        }
        let p = m.evaluator.model().normalization.pipeline.len();
        let adjacency = std::slice::from_raw_parts(adjacency, num_stages * num_stages);
        let features = std::slice::from_raw_parts(pipeline_features, num_stages * p);
        m.evaluator
            .set_pipeline(num_stages, adjacency, features)
            .map_err(failed)
    })
}

/// # Safety
/// `schedule_features` must hold `num_stages × S` floats; `index` valid or null.
#[no_mangle]
pub unsafe extern "C" fn hgcn_enqueue(
    model: *mut HgcnModel,
    schedule_features: *const f32,
    index: *mut usize,
) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        if schedule_features.is_null() {
            return Err(invalid("schedule_features must not be null"));
        }
        let n = m.evaluator.stages();
        if n == 0 {
            return Err(invalid("hgcn_enqueue before hgcn_set_pipeline"));
        }
        let s = m.evaluator.model().normalization.schedule.len();
        let rows = std::slice::from_raw_parts(schedule_features, n * s);
        let k = m.evaluator.enqueue(rows).map_err(failed)?;
        if let Some(index) = index.as_mut() {
            *index = k;
        }
        Ok(())
    })
}

/// # Safety
/// `model` a live handle; `num_costs` valid or null.
#[no_mangle]
pub unsafe extern "C" fn hgcn_evaluate(model: *mut HgcnModel, num_costs: *mut usize) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        let count = m.evaluator.evaluate().map_err(failed)?.len();
        if let Some(n) = num_costs.as_mut() {
            *n = count;
        }
        Ok(())
    })
}

/// # Safety
/// `model` a live handle; `seconds` valid.
#[no_mangle]
pub unsafe extern "C" fn hgcn_get_cost(
    model: *mut HgcnModel,
    index: usize,
    seconds: *mut f64,
) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        let costs = m.evaluator.costs();
        let cost = costs.get(index).ok_or_else(|| {
            invalid(&format!(
                "state {index} was not in the last batch ({} states)",
                costs.len()
            ))
        })?;
        *seconds.as_mut().ok_or_else(|| invalid("seconds is null"))? = *cost;
        Ok(())
    })
}

/// # Safety
/// `stage_seconds` must have room for `num_stages` floats.
#[no_mangle]
pub unsafe extern "C" fn hgcn_get_stage_costs(
    model: *mut HgcnModel,
    index: usize,
    stage_seconds: *mut f32,
) -> i32 {
    guarded(|| {
        let m = model_mut(model)?;
        let n = m.evaluator.stages();
        let all = m.evaluator.stage_costs();
        if all.is_empty() {
            return Err(invalid("the model has no stage_cost output"));
        }
        let row = all
            .get(index * n..(index + 1) * n)
            .ok_or_else(|| invalid(&format!("state {index} was not in the last batch")))?;
        if stage_seconds.is_null() {
            return Err(invalid("stage_seconds is null"));
        }
        std::slice::from_raw_parts_mut(stage_seconds, n).copy_from_slice(row);
        Ok(())
    })
}

/// The message of the last failed call on this thread ("" if none); valid until the next call
/// on this thread.
#[no_mangle]
pub extern "C" fn hgcn_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}
