{{ mimic_view('mimiciv_icu', 'datetimeevents') }}
