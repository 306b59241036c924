{#- `<alias>.<col> as <prefix><col>` for every staging column of a source table except `exclude`: the CheXpert,
    NegBio and triage columns of the linked image mart, without typing their names. -#}
{% macro prefixed_columns(source_name, table_name, alias, prefix, exclude=[]) %}
    {%- set items = [] -%}
    {%- for published, staged in published_columns(source_name, table_name) if staged not in exclude -%}
        {%- do items.append(alias ~ '.' ~ staged ~ ' as ' ~ prefix ~ staged) -%}
    {%- endfor -%}
    {{ items | join(',\n    ') }}
{% endmacro %}
