{#- HAIM's 11 statistics of every bounded series: the values in row order with one 0 appended at the end
    (HAIM appends an all-zero row before computing), y_0 .. y_n. Differences are taken in row order, variance is
    two-pass with ddof 1, npeaks counts runs of equal values strictly above both neighbouring runs (a run at
    either end never counts), trend is the least-squares slope of y on the position 0..n. -#}
with

bounded as (
    select * from {{ ref('int_haim_series_bounded') }}
),

series_values as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        row_index,
        value,
        false as is_appended_zero
    from bounded
    union all
    select distinct
        family,
        series_key,
        cutoff,
        feature_index,
        null as row_index,
        0.0 as value,
        true as is_appended_zero
    from bounded
),

positioned as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        value,
        row_number() over in_order - 1 as position,
        count(*) over whole_series as length,
        avg(value) over whole_series as series_mean,
        lead(value) over in_order - value as step,
        coalesce(value != lag(value) over in_order, true) as starts_run
    from series_values
    window
        whole_series as (partition by family, series_key, cutoff, feature_index),
        in_order as (
            partition by family, series_key, cutoff, feature_index
            order by is_appended_zero, row_index
        )
),

runs_numbered as (
    select
        *,
        sum(cast(starts_run as integer)) over (
            partition by family, series_key, cutoff, feature_index
            order by position
            rows between unbounded preceding and current row
        ) as run_number
    from positioned
),

runs as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        run_number,
        any_value(value) as run_value
    from runs_numbered
    group by family, series_key, cutoff, feature_index, run_number
),

peaks as (
    -- Neighbouring runs always differ; a run with a run on both sides that is above both is one peak.
    select
        family,
        series_key,
        cutoff,
        feature_index,
        count(*) filter (where is_peak) as npeaks
    from (
        select
            family,
            series_key,
            cutoff,
            feature_index,
            coalesce(
                run_value > lag(run_value) over by_run and run_value > lead(run_value) over by_run, false
            ) as is_peak
        from runs
        window by_run as (partition by family, series_key, cutoff, feature_index order by run_number)
    ) as run_boundaries
    group by family, series_key, cutoff, feature_index
),

moments as (
    select
        family,
        series_key,
        cutoff,
        feature_index,
        max(value) as stat_max,
        min(value) as stat_min,
        any_value(series_mean) as stat_mean,
        sum((value - series_mean) * (value - series_mean)) / (any_value(length) - 1) as stat_variance,
        avg(step) as stat_meandiff,
        avg(abs(step)) as stat_meanabsdiff,
        max(abs(step)) as stat_maxdiff,
        sum(abs(step)) as stat_sumabsdiff,
        max(value) filter (where position = length - 1) - max(value) filter (where position = 0) as stat_diff,
        sum((position - (length - 1) / 2.0) * (value - series_mean))
        / sum((position - (length - 1) / 2.0) * (position - (length - 1) / 2.0)) as stat_trend
    from positioned
    group by family, series_key, cutoff, feature_index
)

select
    moments.family,
    moments.series_key,
    moments.cutoff,
    moments.feature_index,
    moments.stat_max,
    moments.stat_min,
    moments.stat_mean,
    moments.stat_variance,
    moments.stat_meandiff,
    moments.stat_meanabsdiff,
    moments.stat_maxdiff,
    moments.stat_sumabsdiff,
    moments.stat_diff,
    cast(peaks.npeaks as double) as stat_npeaks,
    moments.stat_trend
from moments
inner join peaks
    on
        moments.family = peaks.family
        and moments.series_key = peaks.series_key
        and moments.cutoff = peaks.cutoff
        and moments.feature_index = peaks.feature_index
