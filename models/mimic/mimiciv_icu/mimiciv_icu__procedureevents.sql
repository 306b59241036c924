{{ mimic_view('mimiciv_icu', 'procedureevents') }}
