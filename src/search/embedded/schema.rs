//! What the embedded index is made of: its tantivy schema, the fields
//! every other part addresses by handle, and the tokenizers its text and
//! facet fields are analysed with. Nothing here reads or writes an index.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::Index;

use crate::search::analysis::Analyzer;
use crate::search::document::STRING_FACETS;

/// Changes when the schema or the analysis changes: an index written by
/// another version is rebuilt, not misread.
pub const INDEX_VERSION: &str = "vindplaats-index-6";
const TOKENIZER: &str = "nl";
const FACET_TOKENIZER: &str = "facet";

/// The fields of [`schema`], looked up once when the index opens.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub hash: Field,
    pub text: Field,
    pub source: Field,
    pub body: Field,
    pub year: Field,
    pub date: Field,
}

impl Fields {
    /// The fields of `schema`, or the name of the first one it lacks.
    pub fn of(schema: &Schema) -> Result<Fields, tantivy::TantivyError> {
        let field = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: field("id")?,
            hash: field("hash")?,
            text: field("text")?,
            source: field("source")?,
            body: field("body")?,
            year: field("year")?,
            date: field("date")?,
        })
    }
}

pub fn schema() -> Schema {
    let mut b = Schema::builder();
    let text_indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = TextOptions::default().set_indexing_options(text_indexing);
    b.add_text_field("id", STRING | FAST);
    b.add_u64_field("hash", FAST);
    b.add_text_field("text", text);
    // The document as JSON, with `body` left empty; `body` itself is
    // stored zstd-compressed beside it and read only when asked for.
    b.add_text_field("source", STORED);
    b.add_bytes_field("body", STORED);
    let facet = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FACET_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_fast(Some("raw"));
    for name in STRING_FACETS {
        b.add_text_field(name, facet.clone());
    }
    b.add_i64_field("year", INDEXED | FAST);
    b.add_i64_field("date", FAST);
    b.build()
}

/// The Dutch tokenizer for tantivy: [`Analyzer`] over the text.
#[derive(Clone, Default)]
struct DutchTokenizer {
    analyzer: Analyzer,
    /// Reused between texts, strings and all; `len` are in use.
    tokens: Vec<Token>,
    len: usize,
}

struct VecTokenStream<'a> {
    tokens: &'a mut [Token],
    at: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for DutchTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        let tokens = &mut self.tokens;
        let mut len = 0;
        self.analyzer.analyse(text, |position, term, (from, to)| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[len];
            token.offset_from = from;
            token.offset_to = to;
            token.position = position;
            token.position_length = 1;
            token.text.clear();
            token.text.push_str(term);
            len += 1;
        });
        self.len = len;
        VecTokenStream {
            tokens: &mut self.tokens[..len],
            at: 0,
        }
    }
}

pub fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, TextAnalyzer::from(DutchTokenizer::default()));
    index.tokenizers().register(
        FACET_TOKENIZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}
