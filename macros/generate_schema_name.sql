{#- Schemas are exactly the configured names (staging, intermediate, marts, seeds), not <target>_<name>:
    users query marts.cxr_images_linked, and the exporters read those names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
