{#- One mechanism for every "image -> interval" link (ED stay, hospital admission, ICU stay).

    interval_candidates: every interval of the image's subject that qualifies. `strict` chooses the within test
    (ED: intime < t < outtime, as the paper; admissions and ICU stays: start <= t <= end). With
    window_hours > 0 an interval also qualifies when t is in [start - W, end + W]; such a match that is not
    within is a window match, its distance the hours from t to the interval (0 on a boundary).
    interval_choice: one row per image: within (exactly one within candidate), ambiguous (several within: no id),
    window (no within: the nearest window candidate, ties by earlier start then smaller id), none. -#}
{% macro interval_candidates(images, intervals, interval_id, start_column, end_column, strict, window_hours=0) %}
    {%- set window = window_hours | float -%}
    {%- set op_low, op_high = ('>', '<') if strict else ('>=', '<=') -%}
with

images as (
    select
        dicom_id,
        subject_id,
        image_time
    from {{ images }}
    where image_time is not null
),

intervals as (
    select
        subject_id,
        {{ interval_id }},
        {{ start_column }},
        {{ end_column }}
    from {{ intervals }}
),

paired as (
    select
        images.dicom_id,
        images.subject_id,
        images.image_time,
        intervals.{{ interval_id }},
        intervals.{{ start_column }},
        intervals.{{ end_column }},
        coalesce(
            images.image_time {{ op_low }} intervals.{{ start_column }}
            and images.image_time {{ op_high }} intervals.{{ end_column }},
            false
        ) as is_within
    from images
    inner join intervals
        on images.subject_id = intervals.subject_id
    where
        images.image_time >= {{ add_hours('intervals.' ~ start_column, -window) }}
        and images.image_time <= {{ add_hours('intervals.' ~ end_column, window) }}
)

select
    dicom_id,
    subject_id,
    image_time,
    {{ interval_id }},
    {{ start_column }},
    {{ end_column }},
    is_within,
    case
        when is_within then 0.0
        when image_time < {{ start_column }} then {{ hours_between('image_time', start_column) }}
        when image_time > {{ end_column }} then {{ hours_between(end_column, 'image_time') }}
        else 0.0
    end as distance_hours
from paired
where is_within or {{ 'true' if window > 0 else 'false' }}
{% endmacro %}


{% macro interval_choice(images, candidates, interval_id, start_column) %}
with

images as (
    select
        dicom_id,
        subject_id,
        image_time
    from {{ images }}
),

candidate_counts as (
    select
        dicom_id,
        count(*) as n_candidates,
        sum(case when is_within then 1 else 0 end) as n_within
    from {{ candidates }}
    group by dicom_id
),

ranked as (
    select
        dicom_id,
        {{ interval_id }},
        distance_hours,
        row_number() over (
            partition by dicom_id
            order by is_within desc, distance_hours asc, {{ start_column }} asc, {{ interval_id }} asc
        ) as candidate_rank
    from {{ candidates }}
),

best as (
    select
        dicom_id,
        {{ interval_id }},
        distance_hours
    from ranked
    where candidate_rank = 1
)

select
    images.dicom_id,
    images.subject_id,
    images.image_time,
    case
        when candidate_counts.n_within = 1 then 'within'
        when candidate_counts.n_within > 1 then 'ambiguous'
        when candidate_counts.n_candidates > 0 then 'window'
        else 'none'
    end as match_kind,
    case when coalesce(candidate_counts.n_within, 0) <= 1 then best.{{ interval_id }} end as {{ interval_id }},
    coalesce(candidate_counts.n_candidates, 0) as n_candidates,
    case when coalesce(candidate_counts.n_within, 0) <= 1 then best.distance_hours else 0.0 end
        as distance_hours
from images
left join candidate_counts
    on images.dicom_id = candidate_counts.dicom_id
left join best
    on images.dicom_id = best.dicom_id
{% endmacro %}
