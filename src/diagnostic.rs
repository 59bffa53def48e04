//! Rendering of located errors (file:line:col, the source line, a caret, a hint).
