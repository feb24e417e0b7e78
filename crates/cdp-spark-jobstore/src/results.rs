//! Bounded results of asynchronous operations. The rule is the domain's
//! (`cdp_spark_domain::usecases::operation_results`): the operations use
//! case applies it before storing, and the store applies it again before
//! writing, so that no row outgrows its column whoever calls.

pub use cdp_spark_domain::usecases::operation_results::{
    bounded_result, MAX_MESSAGE_BYTES, MAX_RESULT_BYTES,
};
