{{ mimic_view('mimiciv_note', 'radiology') }}
