/**
 * Exact linear assignment for a dense n × n cost matrix (Float64, row-major): the permutation σ that
 * minimises Σ_i C[i, σ(i)]. Jonker & Volgenant (1987), "A shortest augmenting path algorithm for dense and
 * sparse linear assignment problems": column reduction and reduction transfer give a partial assignment and
 * dual prices v; each remaining free row is then assigned by a Dijkstra search for the shortest augmenting
 * path in reduced costs C[i, j] − u_i − v_j ≥ 0, after which the prices of the scanned columns are raised so
 * the reduced costs stay non-negative. O(n³) worst case, far less on geometric costs.
 *
 * The result carries the dual (u, v): feasibility C[i, j] − u_i − v_j ≥ 0 everywhere with equality on the
 * assignment is a certificate of optimality (complementary slackness), which the tests check.
 */

export interface Assignment {
  /** rowToCol[i] = column assigned to row i. */
  rowToCol: Int32Array;
  colToRow: Int32Array;
  /** Row duals u_i = C[i, σ(i)] − v_σ(i). */
  u: Float64Array;
  /** Column prices. */
  v: Float64Array;
  /** Σ_i C[i, σ(i)], summed in Float64. */
  total: number;
}

export function solveAssignment(cost: Float64Array, n: number): Assignment {
  if (cost.length !== n * n) throw new Error(`solveAssignment: ${cost.length} costs for ${n}×${n}`);
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k])) throw new Error('solveAssignment: costs must be finite');
  }
  const rowToCol = new Int32Array(n).fill(-1);
  const colToRow = new Int32Array(n).fill(-1);
  const v = new Float64Array(n);
  if (n === 0) return { rowToCol, colToRow, u: new Float64Array(0), v, total: 0 };

  // Column reduction: v_j = min_i C[i, j]; a column whose minimising row is still free takes that row.
  const matches = new Int32Array(n);
  for (let j = n - 1; j >= 0; j--) {
    let imin = 0;
    let min = cost[j];
    for (let i = 1; i < n; i++) {
      const c = cost[i * n + j];
      if (c < min) {
        min = c;
        imin = i;
      }
    }
    v[j] = min;
    if (++matches[imin] === 1) {
      rowToCol[imin] = j;
      colToRow[j] = imin;
    }
  }

  // Reduction transfer: a row matched once gives its slack to its column's price (its own column stays a
  // minimiser of C[i, ·] − v); rows never matched are the free rows to augment.
  const free: number[] = [];
  for (let i = 0; i < n; i++) {
    if (matches[i] === 0) {
      free.push(i);
    } else if (matches[i] === 1) {
      const j1 = rowToCol[i];
      let min = Infinity;
      const base = i * n;
      for (let j = 0; j < n; j++) {
        if (j === j1) continue;
        const r = cost[base + j] - v[j];
        if (r < min) min = r;
      }
      if (min !== Infinity) v[j1] -= min;
    }
  }
  // Rows matched to several columns in the reduction kept only the first; their other columns are free.

  // Augmentation: Dijkstra from each free row over columns, distances d_j in reduced costs.
  const d = new Float64Array(n);
  const pred = new Int32Array(n);
  const cols = new Int32Array(n); // [0, low): scanned; [low, up): at the current minimum; [up, n): the rest
  for (const f of free) {
    const baseF = f * n;
    for (let j = 0; j < n; j++) {
      d[j] = cost[baseF + j] - v[j];
      pred[j] = f;
      cols[j] = j;
    }
    let low = 0;
    let up = 0;
    let last = 0;
    let min = 0;
    let end = -1;
    while (end < 0) {
      if (up === low) {
        // Collect every unscanned column at the new minimum distance into [low, up).
        last = low - 1;
        min = d[cols[up++]];
        for (let k = up; k < n; k++) {
          const j = cols[k];
          const h = d[j];
          if (h <= min) {
            if (h < min) {
              up = low;
              min = h;
            }
            cols[k] = cols[up];
            cols[up++] = j;
          }
        }
        for (let k = low; k < up; k++) {
          if (colToRow[cols[k]] < 0) {
            end = cols[k];
            break;
          }
        }
        if (end >= 0) break;
      }
      // Scan one column at the minimum: relax through the row it is assigned to.
      const j1 = cols[low++];
      const i = colToRow[j1];
      const baseI = i * n;
      const h = cost[baseI + j1] - v[j1] - min;
      for (let k = up; k < n; k++) {
        const j = cols[k];
        const dj = cost[baseI + j] - v[j] - h;
        if (dj < d[j]) {
          d[j] = dj;
          pred[j] = i;
          if (dj === min) {
            if (colToRow[j] < 0) {
              end = j;
              break;
            }
            cols[k] = cols[up];
            cols[up++] = j;
          }
        }
      }
    }
    // Raise the prices of the scanned columns so reduced costs stay ≥ 0 and are 0 along the new path.
    for (let k = 0; k <= last; k++) {
      const j = cols[k];
      v[j] += d[j] - min;
    }
    // Flip the alternating path back to the free row.
    let j = end;
    for (;;) {
      const i = pred[j];
      colToRow[j] = i;
      const next = rowToCol[i];
      rowToCol[i] = j;
      if (i === f) break;
      j = next;
    }
  }

  const u = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = cost[i * n + rowToCol[i]];
    u[i] = c - v[rowToCol[i]];
    total += c;
  }
  return { rowToCol, colToRow, u, v, total };
}
