// Tokenizes strings with @huggingface/tokenizers (the library the TypeScript side uses) so that train.py can
// assert that its Python re-implementation gives identical ids.
// Usage: node check_tokenizer.mjs tokenizer.json strings.json  -> prints a JSON array of id arrays
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const [tokFile, stringsFile] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(fs.readFileSync(tokFile, 'utf8')), {});
const strings = JSON.parse(fs.readFileSync(stringsFile, 'utf8'));
process.stdout.write(JSON.stringify(strings.map((s) => tok.encode(s).ids)));
