// The reference for the embedding service's tokenization: Hugging Face's own tokenizers library (the
// Node binding of the Rust crate that Python's `tokenizers`, transformers' fast tokenizers and so
// sentence-transformers run). Reads one JSON request on stdin, writes one JSON answer on stdout:
//   request: { "jobs": [ { "name", "maxLength", "texts": [...], and one tokenizer source:
//                "tokenizerFile": "path/tokenizer.json"                      (read as it is), or
//                "wordPieceVocab": "path/vocab.txt", "lowercase": bool, "cls", "sep", "unk", "pad", "mask"
//                                             (BertWordPieceTokenizer's parts, put together here), or
//                "bpeVocab": "vocab.json", "bpeMerges": "merges.txt", "bos", "eos", "unk", "pad", "mask"
//                                             (RoBERTa's byte-level BPE, put together here) } ] }
//              optional "saveTo": "path/tokenizer.json" writes the tokenizer Hugging Face put together.
//   answer:  { "name": { "full": [[ids]], "truncated": [[ids]], "cut": [bool] } }
// "full" has no truncation; "truncated" is Hugging Face's own truncation to maxLength (special tokens kept);
// "cut" says whether that truncation removed tokens (its result is shorter than the full encoding).
'use strict';
const hf = require('tokenizers');

function specialPair(tok, name) {
  const id = tok.tokenToId(name);
  if (id === null || id === undefined) throw new Error(`special token ${name} is not in the vocabulary`);
  return [name, id];
}

async function build(job) {
  if (job.tokenizerFile) return hf.Tokenizer.fromFile(job.tokenizerFile);
  if (job.wordPieceVocab) {
    const model = await hf.WordPiece.fromFile(job.wordPieceVocab, { unkToken: job.unk, continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
    const tok = new hf.Tokenizer(model);
    tok.setNormalizer(hf.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: job.lowercase, stripAccents: job.lowercase }));
    tok.setPreTokenizer(hf.bertPreTokenizer());
    tok.setPostProcessor(hf.templateProcessing(`${job.cls} $A ${job.sep}`, null, [specialPair(tok, job.cls), specialPair(tok, job.sep)]));
    tok.addSpecialTokens([job.pad, job.unk, job.cls, job.sep, job.mask]);
    return tok;
  }
  if (job.bpeVocab) {
    const model = await hf.BPE.fromFile(job.bpeVocab, job.bpeMerges, { continuingSubwordPrefix: '', endOfWordSuffix: '', fuseUnk: false });
    const tok = new hf.Tokenizer(model);
    tok.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
    tok.setPostProcessor(hf.robertaProcessing(specialPair(tok, job.eos), specialPair(tok, job.bos), true, false));
    // transformers' RobertaTokenizer makes its mask token strip the space on its left (lstrip).
    tok.addSpecialTokens([job.bos, job.pad, job.eos, job.unk]);
    tok.addAddedTokens([new hf.AddedToken(job.mask, true, { leftStrip: true, normalized: false })]);
    return tok;
  }
  throw new Error(`job ${job.name} names no tokenizer source`);
}

async function run(job) {
  const tok = await build(job);
  tok.disableTruncation();
  tok.disablePadding();
  if (job.saveTo) tok.save(job.saveTo, false);
  const full = [];
  for (const text of job.texts) full.push(Array.from((await tok.encode(text)).getIds()));
  tok.setTruncation(job.maxLength);
  const truncated = [];
  const cut = [];
  for (let i = 0; i < job.texts.length; i++) {
    const ids = Array.from((await tok.encode(job.texts[i])).getIds());
    truncated.push(ids);
    cut.push(ids.length < full[i].length);
  }
  return { full, truncated, cut };
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const answer = {};
  for (const job of request.jobs) answer[job.name] = await run(job);
  process.stdout.write(JSON.stringify(answer));
}

main().catch((error) => {
  process.stderr.write(`hf-reference: ${error.stack || error}\n`);
  process.exit(1);
});
