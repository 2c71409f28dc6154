// Where a server syntax message points, as a range of the editor's document.
//
// Oxigraph's parser says "error at LINE:COLUMN: ..." (both counted from 1, in the text the user sent; the
// server never prepends lines to it). The column is where the parser stopped, which may be one past the
// last character of the line: then the line's last character is marked, so the marker stays visible.

const POSITION = /\berror at (\d+):(\d+)/;

export function errorPosition(message) {
  const match = POSITION.exec(message || "");
  return match ? {line: Number(match[1]), column: Number(match[2])} : null;
}

export function errorRange(message, doc) {
  const position = errorPosition(message);
  if (!position || position.line < 1 || position.line > doc.lines) return null;
  const line = doc.line(position.line);
  let from = Math.min(line.from + Math.max(position.column, 1) - 1, line.to);
  if (from === line.to && from > line.from) from -= 1;
  return {from, to: Math.min(from + 1, line.to), ...position};
}
