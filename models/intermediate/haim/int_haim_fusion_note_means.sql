{#- n_rad of every HAIM row with HAIM's rules (get_notes_biobert_embeddings): the chunk embeddings of the row's
    bounded radiology notes (int_haim_fusion_notes_bounded), each weighted by its note's hours since admittime,
    averaged (np.average over all chunks of all notes). HAIM's fallbacks, in the order its code meets them:
    no notes -> zeros; a failed note (NULL text, a chunk over 512 word pieces) -> the embedding of the empty
    string alone; the first note without any chunk while a later one has chunks -> the same fallback (HAIM
    then concatenates onto an embedding that was never set, and its except branch catches the error); no
    chunk at all or weights summing to 0 -> zeros. NULL where a bounded note has no vectors, or no note has
    any. -#}
with

bounded as (
    select * from {{ ref('int_haim_fusion_notes_bounded') }}
),

chunks as (
    select * from {{ ref('stg_embeddings__note_vectors') }}
    where note_kind = 'radiology'
),

fallback as (
    -- one row when notes were embedded (its length is the model's hidden size), none before
    select
        any_value(embedding) as embedding,
        len(any_value(embedding)) as embedding_length
    from {{ ref('stg_embeddings__note_fallback_vector') }}
),

note_states as (
    select
        note_id,
        bool_or(failed) as failed,
        count(embedding) as n_chunks
    from chunks
    group by note_id
),

row_states as (
    select
        bounded.haim_id,
        bounded.img_id,
        count(*) as n_notes,
        count(*) - count(note_states.note_id) as n_unembedded,
        coalesce(bool_or(note_states.failed), false) as any_failed,
        coalesce(sum(note_states.n_chunks), 0) as n_chunks,
        arg_min(note_states.n_chunks, bounded.note_position) as first_note_chunks
    from bounded
    left join note_states
        on bounded.note_id = note_states.note_id
    group by bounded.haim_id, bounded.img_id
),

row_chunks as (
    select
        bounded.haim_id,
        bounded.img_id,
        list(chunks.embedding order by bounded.note_position, chunks.chunk_index) as embeddings,
        list(bounded.note_weight order by bounded.note_position, chunks.chunk_index) as weights
    from bounded
    inner join chunks
        on bounded.note_id = chunks.note_id
    where chunks.embedding is not null
    group by bounded.haim_id, bounded.img_id
),

rows_ as (
    select
        cutoffs.haim_id,
        cutoffs.img_id,
        coalesce(row_states.n_notes, 0) as n_notes,
        coalesce(row_states.n_unembedded, 0) as n_unembedded,
        coalesce(row_states.any_failed, false) as any_failed,
        coalesce(row_states.n_chunks, 0) as n_chunks,
        row_states.first_note_chunks,
        row_chunks.embeddings,
        row_chunks.weights
    from {{ ref('int_haim_image_cutoffs') }} as cutoffs
    left join row_states
        on cutoffs.haim_id = row_states.haim_id and cutoffs.img_id = row_states.img_id
    left join row_chunks
        on cutoffs.haim_id = row_chunks.haim_id and cutoffs.img_id = row_chunks.img_id
)

select
    rows_.haim_id,
    rows_.img_id,
    rows_.n_notes,
    rows_.n_unembedded,
    rows_.any_failed,
    rows_.n_chunks,
    case
        when fallback.embedding_length is null then null
        when rows_.n_notes = 0 then {{ list_zeros('fallback.embedding_length') }}
        when rows_.n_unembedded > 0 then null
        when rows_.any_failed or (rows_.first_note_chunks = 0 and rows_.n_chunks > 0)
            then {{ list_as_double('fallback.embedding') }}
        when rows_.n_chunks = 0 or list_sum(rows_.weights) = 0
            then {{ list_zeros('fallback.embedding_length') }}
        else {{ list_weighted_mean('rows_.embeddings', 'rows_.weights', 'list_sum(rows_.weights)') }}
    end as n_rad
from rows_
cross join fallback
