// count_tokens.mjs — o200k token counts (npm gpt-tokenizer, the tokenizer
// of GPT-4o and later; DeepSeek's own differs by a few percent) of files:
//   node webui/test/count_tokens.mjs FILE...  ->  "bytes<TAB>tokens<TAB>FILE"
// Used by the prompt budget test and bench_prompt (docs/prompt.md).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { readFileSync } from 'node:fs';

for (const f of process.argv.slice(2)) {
  const text = readFileSync(f, 'utf8');
  console.log(`${Buffer.byteLength(text)}\t${countTokens(text)}\t${f}`);
}
