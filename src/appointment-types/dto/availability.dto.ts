import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, Matches, ValidateNested } from 'class-validator';
import { Optional, Satisfies } from '../../common/validation/validators';
import type { AvailabilityWindow } from '../appointment-type.types';

const HH_MM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

export class AvailabilityWindowDto implements AvailabilityWindow {
  @ApiProperty({ example: '09:00', pattern: HH_MM.source })
  @Matches(HH_MM, { message: 'must be a time HH:mm (00:00 to 24:00)' })
  start!: string;

  @ApiProperty({ example: '17:00', pattern: HH_MM.source })
  @Matches(HH_MM, { message: 'must be a time HH:mm (00:00 to 24:00)' })
  @Satisfies<string>((end, window) => {
    const start = (window as AvailabilityWindowDto).start;
    return typeof start === 'string' && HH_MM.test(start) && end <= start ? 'must be after start' : null;
  })
  end!: string;
}

function noOverlaps(windows: AvailabilityWindowDto[]): string | null {
  if (!Array.isArray(windows)) return null;
  const valid = windows.filter(
    (w) => w && HH_MM.test(String(w.start)) && HH_MM.test(String(w.end)) && w.start < w.end,
  );
  const sorted = [...valid].sort((a, b) => a.start.localeCompare(b.start));
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i].start < sorted[i - 1].end) {
      return `windows ${sorted[i - 1].start}-${sorted[i - 1].end} and ${sorted[i].start}-${sorted[i].end} overlap`;
    }
  }
  return null;
}

function DayWindows(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: [AvailabilityWindowDto] })(target, key);
    Optional()(target, key);
    IsArray()(target, key);
    ValidateNested({ each: true })(target, key);
    Type(() => AvailabilityWindowDto)(target, key);
    Satisfies(noOverlaps)(target, key);
  };
}

/** Weekly opening hours in the type's time zone; a missing day has none. */
export class WeeklyAvailabilityDto {
  @DayWindows() monday?: AvailabilityWindowDto[];
  @DayWindows() tuesday?: AvailabilityWindowDto[];
  @DayWindows() wednesday?: AvailabilityWindowDto[];
  @DayWindows() thursday?: AvailabilityWindowDto[];
  @DayWindows() friday?: AvailabilityWindowDto[];
  @DayWindows() saturday?: AvailabilityWindowDto[];
  @DayWindows() sunday?: AvailabilityWindowDto[];
}
