{{ mimic_view('mimiciv_icu', 'caregiver') }}
