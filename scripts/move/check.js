#!/usr/bin/env node
// Syntax check for Move 2024 sources, using Sui's own tree-sitter grammar (the one shipped in
// `@mysten/prettier-plugin-move`). Walks every `.move` file under the given paths (directories are
// searched recursively, `node_modules` and `build` are skipped) and prints `file:line:col: message`
// for each ERROR or MISSING node. Exits 1 if any file has a syntax error, 2 on usage errors.
//
// This is a syntax check only: no name resolution, no type or ability checking.
'use strict';

const fs = require('fs');
const path = require('path');
const Parser = require('web-tree-sitter');

function collectMoveFiles(target, out) {
    const stat = fs.statSync(target);
    if (stat.isFile()) {
        if (target.endsWith('.move')) out.push(target);
        return;
    }
    for (const entry of fs.readdirSync(target).sort()) {
        if (entry === 'node_modules' || entry === 'build' || entry.startsWith('.')) continue;
        collectMoveFiles(path.join(target, entry), out);
    }
}

function findErrors(node, out) {
    if (node.type === 'ERROR' || node.isMissing()) {
        const kind = node.isMissing() ? `MISSING ${node.type}` : 'syntax error';
        out.push({ row: node.startPosition.row + 1, col: node.startPosition.column + 1, kind });
        // An ERROR node's children are usually noise once the ERROR itself is reported.
        if (node.type === 'ERROR') return;
    }
    if (!node.hasError() && !node.isMissing()) return;
    for (const child of node.children) findErrors(child, out);
}

async function main() {
    const targets = process.argv.slice(2);
    if (targets.length === 0) {
        console.error('usage: check.js <file-or-dir>...');
        process.exit(2);
    }
    const files = [];
    for (const t of targets) collectMoveFiles(t, files);
    if (files.length === 0) {
        console.error('check.js: no .move files found');
        process.exit(2);
    }

    await Parser.init();
    const wasm = path.join(
        path.dirname(require.resolve('@mysten/prettier-plugin-move/package.json')),
        'tree-sitter-move.wasm',
    );
    const language = await Parser.Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);

    let nBad = 0;
    for (const file of files) {
        const source = fs.readFileSync(file, 'utf8');
        const tree = parser.parse(source);
        const errors = [];
        findErrors(tree.rootNode, errors);
        if (errors.length > 0) nBad += 1;
        for (const e of errors) console.log(`${file}:${e.row}:${e.col}: ${e.kind}`);
    }
    console.log(`move syntax: ${files.length - nBad} of ${files.length} files clean`);
    process.exit(nBad === 0 ? 0 : 1);
}

main().catch((err) => {
    console.error(err);
    process.exit(2);
});
