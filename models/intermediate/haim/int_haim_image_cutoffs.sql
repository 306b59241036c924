{#- One row per (HAIM sample, CXR image of the sample's hospital admission): the image time floored to the
    minute (HAIM's cxr charttime) with admittime <= it <= dischtime, inclusive, and the cutoff each series family
    is bounded by: events at or before the floored minute count. Procedure events are unbounded in the reference
    mode (HAIM never bounds them) and bounded like the others in the strict mode (var haim_time_bound). -#}
with

samples as (
    select * from {{ ref('haim_samples') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

images as (
    select
        dicom_id,
        subject_id,
        date_trunc('minute', cxrtime) as img_charttime
    from {{ ref('haim_cxr') }}
)

select
    samples.haim_id,
    samples.subject_id,
    samples.hadm_id,
    samples.stay_id,
    images.dicom_id as img_id,
    images.img_charttime,
    admissions.admittime,
    admissions.dischtime,
    images.img_charttime as chart_cutoff,
    images.img_charttime as lab_cutoff,
    {% if haim_time_bound() == 'strict' -%}
        images.img_charttime
    {%- else -%}
        {{ haim_unbounded_cutoff() }}
    {%- endif %} as procedure_cutoff
from samples
inner join admissions
    on samples.hadm_id = admissions.hadm_id
inner join images
    on
        samples.subject_id = images.subject_id
        and images.img_charttime between admissions.admittime and admissions.dischtime
