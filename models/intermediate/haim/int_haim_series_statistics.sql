{#- HAIM's 11 statistics of every bounded series: the values in row order with one 0 appended at the end
    (HAIM appends an all-zero row before computing), y_1 .. y_n. Differences are taken in row order, variance is
    two-pass with ddof 1, npeaks counts runs of equal values strictly above both neighbouring runs (a run at
    either end never counts), trend is the least-squares slope of y on the position 0 .. n - 1. Each series is
    one list, so every statistic is one pass over it (no window sort per series). -#}
with

bounded as (
    select * from {{ ref('int_haim_series_bounded') }}
),

series as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        list_append(series_values, 0.0) as y
    from bounded
),

-- DuckDB's `lambda x: ...` syntax (the arrow form is deprecated) is beyond the SQL linter's parser
-- noqa: disable=all
shaped as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        y,
        len(y) as length,
        list_avg(y) as series_mean,
        -- y[k + 1] - y[k]: the list zipped with itself shifted by one
        list_transform(list_zip(y[2:], y[:-2]), lambda pair: pair[1] - pair[2]) as steps,
        -- the value of each run of equal neighbours, once
        list_transform(
            list_filter(
                list_zip(y, list_prepend(cast(null as double), y[:-2])),
                lambda pair: pair[2] is null or pair[1] != pair[2]
            ),
            lambda pair: pair[1]
        ) as runs
    from series
),

measured as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        list_max(y) as stat_max,
        list_min(y) as stat_min,
        series_mean as stat_mean,
        list_sum(list_transform(y, lambda v: (v - series_mean) * (v - series_mean))) / (length - 1)
            as stat_variance,
        list_avg(steps) as stat_meandiff,
        list_avg(list_transform(steps, lambda d: abs(d))) as stat_meanabsdiff,
        list_max(list_transform(steps, lambda d: abs(d))) as stat_maxdiff,
        list_sum(list_transform(steps, lambda d: abs(d))) as stat_sumabsdiff,
        y[-1] - y[1] as stat_diff,
        -- inner runs (neither end) above the run before and the run after
        cast(len(list_filter(
            list_zip(runs[2:-2], runs[:-3], runs[3:]),
            lambda run: run[1] > run[2] and run[1] > run[3]
        )) as double) as stat_npeaks,
        -- sum((p - c) * (y_p - mean)) / sum((p - c)^2) with c = (n - 1) / 2; the denominator is n(n^2 - 1)/12
        list_sum(list_transform(y, lambda v, i: (i - 1 - (length - 1) / 2.0) * (v - series_mean)))
        / ((length - 1) * length * (length + 1) / 12.0) as stat_trend
    from shaped
)
-- noqa: enable=all

select * from measured
