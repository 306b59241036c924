{{ mimic_view('mimiciv_icu', 'd_items') }}
