{#- vmd / vmp of every HAIM row: the weighted means of the dense features and predictions of the row's bounded
    images (int_haim_fusion_images_bounded), with HAIM's weights w = (t - min t) / (max t - min t) over their
    hours since admittime t, and HAIM's fallbacks to zeros: a bounded image without a time (HAIM's weights then
    come from fewer cxr rows than images and np.average fails), all images at one time or a single image (the
    weights are NaN), a NaN in the result. NULL where some bounded image has no vector, or no image has any. -#}
with

bounded as (
    select * from {{ ref('int_haim_fusion_images_bounded') }}
),

vectors as (
    select * from {{ ref('stg_embeddings__image_vectors') }}
),

vector_lengths as (
    select
        max(len(vd)) as vd_length,
        max(len(vp)) as vp_length
    from vectors
),

spans as (
    select
        *,
        min(bounded_deltacharttime) over (partition by haim_id, img_id) as min_t,
        max(bounded_deltacharttime) over (partition by haim_id, img_id) as max_t
    from bounded
),

weighted as (
    select
        spans.haim_id,
        spans.img_id,
        count(*) as n_images,
        count(*) - count(spans.bounded_deltacharttime) as n_untimed,
        count(vectors.dicom_id) as n_embedded,
        -- HAIM: adj = t - min t; w = adj / max(adj)
        max(spans.max_t - spans.min_t) as max_adjusted,
        list(vectors.vd order by spans.cxr_position) as vds,
        list(vectors.vp order by spans.cxr_position) as vps,
        list(
            (spans.bounded_deltacharttime - spans.min_t) / nullif(spans.max_t - spans.min_t, 0)
            order by spans.cxr_position
        ) as weights
    from spans
    left join vectors
        on spans.bounded_dicom_id = vectors.dicom_id
    group by spans.haim_id, spans.img_id
),

averaged as (
    select
        *,
        case
            when n_untimed = 0 and n_embedded = n_images and max_adjusted > 0
                then {{ list_weighted_mean('vds', 'weights', 'list_sum(weights)') }}
        end as vd_mean,
        case
            when n_untimed = 0 and n_embedded = n_images and max_adjusted > 0
                then {{ list_weighted_mean('vps', 'weights', 'list_sum(weights)') }}
        end as vp_mean
    from weighted
)

select
    averaged.haim_id,
    averaged.img_id,
    averaged.n_images,
    averaged.n_untimed,
    averaged.n_embedded,
    {{ haim_image_mean_or_zeros('averaged.vd_mean', 'vector_lengths.vd_length') }} as vmd,
    {{ haim_image_mean_or_zeros('averaged.vp_mean', 'vector_lengths.vp_length') }} as vmp
from averaged
cross join vector_lengths
