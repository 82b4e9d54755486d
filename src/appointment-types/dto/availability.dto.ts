import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { matching, objectList, Optional, Satisfies } from '../../common/validation/validators';
import type { AvailabilityWindow } from '../appointment-type.types';

const HH_MM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
/** Half-hour windows all day long is the most a day can sensibly hold. */
export const MAX_WINDOWS_PER_DAY = 48;

const clockTime = matching(HH_MM, 'must be a time HH:mm (00:00 to 24:00)');

export class AvailabilityWindowDto implements AvailabilityWindow {
  @ApiProperty({ example: '09:00', pattern: HH_MM.source })
  @Satisfies(clockTime)
  start!: string;

  @ApiProperty({ example: '17:00', pattern: HH_MM.source })
  @Satisfies(clockTime, (end: unknown, window) => {
    const start = (window as AvailabilityWindowDto).start;
    return typeof start === 'string' && HH_MM.test(start) && (end as string) <= start
      ? 'must be after start'
      : null;
  })
  end!: string;
}

function noOverlaps(windows: unknown): string | null {
  const valid = (windows as AvailabilityWindowDto[]).filter(
    (w) => HH_MM.test(String(w.start)) && HH_MM.test(String(w.end)) && w.start < w.end,
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
    ApiPropertyOptional({ type: [AvailabilityWindowDto], maxItems: MAX_WINDOWS_PER_DAY })(target, key);
    Optional()(target, key);
    ValidateNested({ each: true })(target, key);
    Type(() => AvailabilityWindowDto)(target, key);
    Satisfies(objectList(MAX_WINDOWS_PER_DAY), noOverlaps)(target, key);
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
