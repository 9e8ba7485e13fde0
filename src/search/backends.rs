//! The two implementations of [`SearchBackend`]: the embedded index
//! (shared between requests) and a Meilisearch server. Kept apart from
//! both backends, so that neither depends on the trait that joins them.

use std::future::Future;
use std::sync::Arc;

use super::meili::Meilisearch;
use super::{
    BackendError, EmbeddedIndex, SearchBackend, SearchDocument, SearchError, SearchRequest,
    SearchResponse, SyncReport,
};

impl SearchBackend for Arc<EmbeddedIndex> {
    fn replace_documents(
        &self,
        docs: Vec<SearchDocument>,
    ) -> impl Future<Output = Result<SyncReport, BackendError>> + Send {
        let index = self.clone();
        async move {
            tokio::task::spawn_blocking(move || index.sync(&docs, &|_, _| {}))
                .await
                .map_err(|e| BackendError::Task(e.to_string()))?
                .map_err(BackendError::from)
        }
    }

    fn search(
        &self,
        request: SearchRequest,
    ) -> impl Future<Output = Result<SearchResponse, SearchError>> + Send {
        let index = self.clone();
        // Answered on the runtime's own worker: a search takes about a
        // millisecond of CPU, less than handing it to a blocking thread and
        // back costs. `serve` runs more workers than it lets searches use
        // (see `serve::search::SEARCHES_PER_CORE`), so pages always find a
        // free one. Indexing, which takes seconds, goes to a blocking thread.
        async move { EmbeddedIndex::search(&index, &request) }
    }
}

impl SearchBackend for Meilisearch {
    async fn replace_documents(
        &self,
        docs: Vec<SearchDocument>,
    ) -> Result<SyncReport, BackendError> {
        let report = self.reindex(&docs, &|_| {}).await?;
        Ok(SyncReport {
            added: report.documents,
            documents: report.documents,
            ..Default::default()
        })
    }

    async fn search(&self, request: SearchRequest) -> Result<SearchResponse, SearchError> {
        Meilisearch::search(self, &request).await
    }
}
