{{ stage_source('reflacx', 'transcription') }}
