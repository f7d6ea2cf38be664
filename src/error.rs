//! The crate's one error type. Every message is written for the Halide user who reads it in a
//! generator's or Python's error output; the glue prefixes "Gcn autoscheduler: ".

/// Errors of the autoscheduler, each carrying a complete user-facing message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad `autoscheduler.*` key or value.
    #[error("{0}")]
    Param(String),
    /// A pipeline, target or construct this autoscheduler does not handle.
    #[error("{0}")]
    Unsupported(String),
    /// A bound or estimate that cannot be evaluated.
    #[error("{0}")]
    Analysis(String),
    /// A cost model file that is missing, unreadable, malformed or incompatible, or a model
    /// that predicts nonsense.
    #[error("{0}")]
    Model(String),
    /// A malformed featurization blob.
    #[error("featurization: {0}")]
    Featurization(String),
    /// A bug on our side; the message says what invariant broke.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The message a caught panic carried ("unknown panic" when it was not a string).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
