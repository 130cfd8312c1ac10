/**
 * Run records as nodejs-polars DataFrames (the edge where polars enters), with
 * the log files' snake_case, unit-suffixed column names.
 *
 * @module
 */

import pl from "nodejs-polars";
import type { BatchColumns, RequestColumns } from "../sim/column_sink.ts";

/** A polars DataFrame. */
export type DataFrame = pl.DataFrame;

/** A polars expression. */
export type Expr = pl.Expr;

/**
 * The nodejs-polars namespace (`pl.col`, `pl.lit`, `pl.concat`, ...), so that
 * notebooks analyse frames with the same polars the library builds them with,
 * importing only from `mod.ts`.
 */
export { default as pl } from "nodejs-polars";

/** Columns as a DataFrame: typed arrays become Float64 series, string arrays Utf8 series. */
export function columnsToDataFrame(columns: RequestColumns | BatchColumns): DataFrame {
  const series = Object.entries(columns).map(([name, values]) =>
    values instanceof Float64Array
      ? pl.Series(name, values, pl.Float64)
      : pl.Series(name, values as string[], pl.Utf8)
  );
  return pl.DataFrame(series);
}
