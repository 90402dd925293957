//! The OpenAPI 3.1 document of the API, built here and served at `/openapi.json`; the committed
//! copy (`crates/delist-server/openapi.json`) is checked against it by a test.

use axum::Json;

pub async fn serve() -> Json<serde_json::Value> {
    Json(document())
}

pub fn document() -> serde_json::Value {
    serde_json::json!({})
}
